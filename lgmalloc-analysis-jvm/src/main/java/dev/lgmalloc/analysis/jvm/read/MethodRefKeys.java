package dev.lgmalloc.analysis.jvm.read;

import java.util.Arrays;

/**
 * The method references of a class file as 64-bit keys, read straight from the constant pool's bytes: no
 * {@code ClassModel}, no strings. Each {@code Methodref}, {@code InterfaceMethodref} and method handle gives two
 * keys, the hash of {@code name + descriptor} and of {@code owner + "." + name + descriptor}, computed over the
 * modified UTF-8 bytes the class file stores, so {@link #of(String)} gives the same key for the same text.
 *
 * <p>Keys are hashes: two different references collide with odds of about 2^-64 per pair, which can only make a
 * caller search return a class too many (its code is then inspected exactly), never miss one.
 */
final class MethodRefKeys {

    private static final int UTF8 = RawConstantPool.UTF8;
    private static final int CLASS = RawConstantPool.CLASS;
    private static final int METHOD_REF = RawConstantPool.METHOD_REF;
    private static final int INTERFACE_METHOD_REF = RawConstantPool.INTERFACE_METHOD_REF;
    private static final int NAME_AND_TYPE = RawConstantPool.NAME_AND_TYPE;
    private static final int METHOD_HANDLE = RawConstantPool.METHOD_HANDLE;

    private MethodRefKeys() {
    }

    /** The key of {@code name + descriptor} or {@code owner.name + descriptor}. */
    static long of(String text) {
        long h = SEED;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // Modified UTF-8, as in class files: NUL and non-ASCII chars in 2 or 3 bytes, surrogates one by one.
            if (c != 0 && c < 0x80) {
                h = step(h, c);
            } else if (c < 0x800) {
                h = step(step(h, 0xc0 | (c >> 6)), 0x80 | (c & 0x3f));
            } else {
                h = step(step(step(h, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 0x3f)), 0x80 | (c & 0x3f));
            }
        }
        return finish(h);
    }

    /**
     * The sorted, distinct keys of every method reference in the class file {@code b}.
     *
     * @throws IllegalArgumentException when the constant pool is malformed or truncated
     */
    static long[] scan(byte[] b) {
        return scan(b, b.length, new ScanBuffer());
    }

    /**
     * {@link #scan(byte[])} of the class file {@code b[0, end)}, with {@code work}'s arrays for the entries'
     * offsets and the keys before sorting: only the result is allocated.
     */
    static long[] scan(byte[] b, int end, ScanBuffer work) {
        int count = RawConstantPool.count(b, end);
        int[] offsets = work.offsets(count); // offset of each entry's tag; 0 for unused slots
        int pos = RawConstantPool.FIRST_ENTRY;
        int refs = 0;
        for (int i = 1; i < count; i++) {
            offsets[i] = pos;
            int tag = RawConstantPool.u1(b, end, pos);
            pos += RawConstantPool.length(b, end, pos, i);
            if (RawConstantPool.isWide(tag)) {
                i++; // 8-byte constants take two slots
                if (i < count) {
                    offsets[i] = 0;
                }
            }
            if (tag == METHOD_REF || tag == INTERFACE_METHOD_REF || tag == METHOD_HANDLE) {
                refs++;
            }
        }
        long[] keys = work.keys(2 * refs);
        int n = 0;
        for (int i = 1; i < count; i++) {
            int off = offsets[i];
            if (off == 0) {
                continue;
            }
            int tag = b[off];
            int ref = tag == METHOD_HANDLE ? entry(b, offsets, count, u2(b, end, off + 2), -1) : tag == METHOD_REF
                    || tag == INTERFACE_METHOD_REF ? off : -1;
            if (ref < 0) {
                continue;
            }
            int owner = utf8(b, offsets, count, u2(b, end, entry(b, offsets, count, u2(b, end, ref + 1), CLASS) + 1));
            int nat = entry(b, offsets, count, u2(b, end, ref + 3), NAME_AND_TYPE);
            int name = utf8(b, offsets, count, u2(b, end, nat + 1));
            int type = utf8(b, offsets, count, u2(b, end, nat + 3));
            long nameAndType = bytes(bytes(SEED, b, end, name), b, end, type);
            keys[n++] = finish(nameAndType);
            keys[n++] = finish(bytes(bytes(step(bytes(SEED, b, end, owner), '.'), b, end, name), b, end, type));
        }
        Arrays.sort(keys, 0, n);
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || keys[i] != keys[i - 1]) {
                keys[distinct++] = keys[i];
            }
        }
        return Arrays.copyOf(keys, distinct);
    }

    /** The offset of entry {@code index} of {@code count}, checked to have {@code tag} (any when negative). */
    private static int entry(byte[] b, int[] offsets, int count, int index, int tag) {
        if (index <= 0 || index >= count || offsets[index] == 0 || (tag >= 0 && b[offsets[index]] != tag)) {
            throw new IllegalArgumentException("bad constant pool reference " + index);
        }
        return offsets[index];
    }

    private static int utf8(byte[] b, int[] offsets, int count, int index) {
        return entry(b, offsets, count, index, UTF8);
    }

    private static final long SEED = 0x6a09e667f3bcc909L;

    /** Hashes the bytes of the Utf8 entry at {@code off} into {@code h}. */
    private static long bytes(long h, byte[] b, int end, int off) {
        int len = u2(b, end, off + 1);
        for (int i = off + 3, stop = off + 3 + len; i < stop; i++) {
            h = step(h, b[i] & 0xff);
        }
        return h;
    }

    private static long step(long h, int c) {
        return (h ^ c) * 0x9E3779B97F4A7C15L;
    }

    /** A final mix (MurmurHash3's fmix64), so that keys differing in the last bytes differ in every bit. */
    private static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    private static int u2(byte[] b, int end, int pos) {
        return RawConstantPool.u2(b, end, pos);
    }
}
