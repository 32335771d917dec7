package dev.lgmalloc.agent;

import java.util.zip.CRC32C;

/** CRC32C of class files: how the transformer recognises the bytes that were analysed. */
public final class Crc {

    private Crc() {
    }

    public static long of(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }
}
