package dev.lgmalloc;

/**
 * A pointer given to {@code free}, {@code realloc} or {@code usableSize} is not a live lgmalloc block: it was
 * never returned by lgmalloc, points inside a block, or was already freed. The allocator's state is unchanged.
 */
public class InvalidFreeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final long address;

    /** An exception naming {@code address} and {@code reason}. */
    public InvalidFreeException(long address, String reason) {
        super(String.format("invalid pointer 0x%x: %s", address, reason));
        this.address = address;
    }

    /** The offending address. */
    public long address() {
        return address;
    }
}
