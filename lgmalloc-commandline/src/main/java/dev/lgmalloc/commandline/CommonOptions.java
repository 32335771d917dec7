package dev.lgmalloc.commandline;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The options every command has, given anywhere on the line: before the command's name or after it. */
final class CommonOptions {

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
            description = "print this command's usage and exit")
    boolean help;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "print the stack trace of an error, not only its message")
    boolean debug;
}
