package dev.lgmalloc.analysis.jvm.read;

/** Where a class file's bytes are: held in memory, or in the running JDK's image, copied out on each use. */
public interface ClassBytes {

    /** The class file; the caller must not change the array. */
    byte[] read();

    /** Lends the class file to a scan that keeps nothing of it, through {@code buffer}: see {@link ScanBuffer}. */
    void lendTo(ScanBuffer buffer);

    /** Bytes held in memory, e.g. read from a JAR or a file. */
    static ClassBytes held(byte[] bytes) {
        return new HeldClassBytes(bytes);
    }
}
