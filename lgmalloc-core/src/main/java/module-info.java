/**
 * lgmalloc core: an off-heap allocator with malloc(3) semantics, thread-local heaps and lock-free
 * cross-thread frees, on raw addresses and on {@link java.lang.foreign.MemorySegment}s.
 *
 * <p>The allocator maps memory with {@code mmap} through FFM downcalls, which are restricted methods:
 * run with {@code --enable-native-access=dev.lgmalloc.core} (module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (class path) to avoid the JDK's warning.
 */
module dev.lgmalloc.core {
    requires jdk.jfr;
    requires java.management;

    exports dev.lgmalloc;
    exports dev.lgmalloc.management;
}
