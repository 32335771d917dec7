package dev.lgmalloc.commandline;

/** An input that cannot be read or analysed: not a usage mistake, so reported without the usage. */
public final class BadInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** {@code message} names the input and what is wrong with it. */
    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
