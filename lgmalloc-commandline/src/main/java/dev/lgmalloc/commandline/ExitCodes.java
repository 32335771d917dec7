package dev.lgmalloc.commandline;

/** The exit status of every lgmalloc command: what a script can tell apart without reading the message. */
public final class ExitCodes {

    /** The command did what it was asked. */
    public static final int OK = 0;
    /** The command was right and its inputs were readable, but running it failed. */
    public static final int FAILED = 1;
    /** A command-line mistake: an unknown command or option, a missing or bad value. */
    public static final int USAGE = 2;
    /** An input the command cannot read or analyse: it names the input and what is wrong with it. */
    public static final int BAD_INPUT = 3;

    private ExitCodes() {
    }
}
