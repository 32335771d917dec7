package dev.lgmalloc.analysis.jvm;

/**
 * How an entry point's requested size follows from its arguments (receiver excluded, arguments counted from 0).
 */
public enum SizeRule {
    /** The size is argument 0, e.g. {@code malloc(size)}, {@code allocate(size, alignment)}. */
    FIRST_ARGUMENT,
    /** The size is argument 1, e.g. {@code realloc(address, newSize)}, {@code alignedAlloc(alignment, size)}. */
    SECOND_ARGUMENT,
    /** The size is argument 0 times argument 1, e.g. {@code calloc(count, size)}. */
    PRODUCT_OF_FIRST_TWO,
    /** The size is {@code byteSize()} of the layout in argument 0, e.g. {@code allocate(MemoryLayout)}. */
    LAYOUT_BYTE_SIZE,
    /** The size is {@code byteSize()} of the layout in argument 0 times argument 1: {@code allocate(layout, count)}. */
    LAYOUT_BYTE_SIZE_TIMES_SECOND
}
