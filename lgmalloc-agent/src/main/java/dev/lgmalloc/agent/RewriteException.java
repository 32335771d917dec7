package dev.lgmalloc.agent;

/** A class file does not match its plan (a site is not where the plan says): the class is left unchanged. */
public final class RewriteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}. */
    public RewriteException(String message) {
        super(message);
    }
}
