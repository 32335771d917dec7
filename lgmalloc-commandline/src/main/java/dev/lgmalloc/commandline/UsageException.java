package dev.lgmalloc.commandline;

/** A command-line mistake found by a command itself (a value out of range, options that exclude each other). */
public final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }

    /** {@code --threads must be a whole number from 1 to 256, not 'two'}: every bad value reads the same. */
    public static UsageException badValue(String option, String expected, String value) {
        return new UsageException(option + " must be " + expected + ", not '" + value + "'");
    }
}
