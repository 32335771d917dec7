package dev.lgmalloc.analysis.jvm.read;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleReader;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A class file in the running JDK's image, copied out of the mapped image each time it is used. Holding all of
 * {@code java.base}'s classes (30 MB) for the whole analysis made every young collection copy them; the
 * pre-filter and the caller index use each class once and drop it, and the few classes analysed are parsed once
 * and cached.
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

    /** The resource's bytes, copied out of the view the reader hands out, which is then released. */
    static byte[] copyOut(ModuleReader reader, String name) throws IOException {
        Optional<ByteBuffer> found = reader.read(name);
        if (found.isEmpty()) {
            throw new IOException(name + " is listed but cannot be read");
        }
        ByteBuffer buffer = found.get();
        try {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } finally {
            reader.release(buffer);
        }
    }
}
