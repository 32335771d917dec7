package dev.lgmalloc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** The simplest possible allocator of one block size: a stack of addresses in a {@code long[]}. */
final class JavaFreeList {

    private final Arena arena = Arena.ofShared();
    private final long[] stack;
    private int top;

    JavaFreeList(long blockSize, int blocks) {
        MemorySegment memory = arena.allocate(blockSize * blocks, 16);
        stack = new long[blocks];
        for (int i = 0; i < blocks; i++) {
            stack[top++] = memory.address() + i * blockSize;
        }
    }

    long pop() {
        return stack[--top];
    }

    void push(long address) {
        stack[top++] = address;
    }

    void close() {
        arena.close();
    }
}
