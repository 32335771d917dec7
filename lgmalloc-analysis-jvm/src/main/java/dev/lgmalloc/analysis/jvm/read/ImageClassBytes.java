package dev.lgmalloc.analysis.jvm.read;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleReader;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A class file in the running JDK's image, copied out of the mapped image each time it is used. Holding all of
 * {@code java.base}'s classes (30 MB) for the whole analysis made every young collection copy them; the
 * pre-filter and the caller index scan each class in a reused buffer ({@link ScanBuffer}), and the few classes
 * analysed are parsed once and cached.
 *
 * @param reader the module's reader, left open: a system module's reader holds nothing but the shared image
 * @param name   the resource's name in the module, e.g. {@code java/lang/String.class}
 */
record ImageClassBytes(ModuleReader reader, String name) implements ClassBytes {

    @Override
    public byte[] read() {
        try {
            return copyOut(reader, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void lendTo(ScanBuffer scan) {
        try {
            ByteBuffer buffer = view(reader, name);
            try {
                int size = buffer.remaining();
                byte[] into = scan.arrayOfAtLeast(size);
                buffer.get(into, 0, size);
                scan.lend(into, size);
            } finally {
                reader.release(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The resource's bytes, copied out of the view the reader hands out, which is then released. */
    private static byte[] copyOut(ModuleReader reader, String name) throws IOException {
        ByteBuffer buffer = view(reader, name);
        try {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } finally {
            reader.release(buffer);
        }
    }

    /** The reader's view of the resource, to be released after use. */
    private static ByteBuffer view(ModuleReader reader, String name) throws IOException {
        Optional<ByteBuffer> found = reader.read(name);
        if (found.isEmpty()) {
            throw new IOException(name + " is listed but cannot be read");
        }
        return found.get();
    }
}
