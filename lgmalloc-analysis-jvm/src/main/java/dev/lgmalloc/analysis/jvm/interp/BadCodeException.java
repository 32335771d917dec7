package dev.lgmalloc.analysis.jvm.interp;

/**
 * A method's code cannot be interpreted: it is malformed (stack underflow, a branch into nowhere), uses
 * something unsupported ({@code jsr}/{@code ret}), or does not reach a fixpoint within the iteration budget.
 * The method's sites are then reported as unknown.
 */
public final class BadCodeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BadCodeException(String message) {
        super(message);
    }
}
