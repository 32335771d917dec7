package dev.lgmalloc.analysis.jvm.read;

/**
 * The layout of a class file's constant pool read straight from its bytes (JVMS 4.4), for scans that must not
 * parse the class: where each entry starts and how long it is. The class file is {@code b[0, end)}: a scan may
 * get it at the start of a larger reused buffer ({@link ScanBuffer}).
 */
final class RawConstantPool {

    static final int UTF8 = 1;
    static final int LONG = 5;
    static final int DOUBLE = 6;
    static final int CLASS = 7;
    static final int METHOD_REF = 10;
    static final int INTERFACE_METHOD_REF = 11;
    static final int NAME_AND_TYPE = 12;
    static final int METHOD_HANDLE = 15;

    /** Offset of the first entry's tag: after magic, versions and the entry count. */
    static final int FIRST_ENTRY = 10;

    private RawConstantPool() {
    }

    /**
     * The number of slots of the pool plus one, as the class file records it.
     *
     * @throws IllegalArgumentException when the bytes are not a class file
     */
    static int count(byte[] b, int end) {
        if (end < FIRST_ENTRY || u4(b, end, 0) != 0xCAFEBABE) {
            throw new IllegalArgumentException("not a class file");
        }
        return u2(b, end, 8);
    }

    /**
     * The length in bytes of the entry whose tag is at {@code pos}, the tag included.
     *
     * @throws IllegalArgumentException for an unknown tag or an entry cut off by the end of the bytes
     */
    static int length(byte[] b, int end, int pos, int index) {
        int tag = u1(b, end, pos);
        int length = switch (tag) {
            case UTF8 -> 3 + u2(b, end, pos + 1);
            case 3, 4, 9, METHOD_REF, INTERFACE_METHOD_REF, NAME_AND_TYPE, 17, 18 -> 5;
            case LONG, DOUBLE -> 9;
            case CLASS, 8, 16, 19, 20 -> 3;
            case METHOD_HANDLE -> 4;
            default -> throw new IllegalArgumentException("bad constant pool tag " + tag + " at entry " + index);
        };
        if (pos + length > end) {
            throw new IllegalArgumentException("truncated constant pool");
        }
        return length;
    }

    /** Whether an entry with this tag takes two slots (8-byte constants do). */
    static boolean isWide(int tag) {
        return tag == LONG || tag == DOUBLE;
    }

    /** Whether the bytes are a class file whose constant pool is complete and made of known entries. */
    static boolean isWellFormed(byte[] b, int end) {
        try {
            int count = count(b, end);
            int pos = FIRST_ENTRY;
            for (int i = 1; i < count; i++) {
                if (isWide(u1(b, end, pos))) {
                    i++;
                }
                pos += length(b, end, pos, i);
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static int u1(byte[] b, int end, int pos) {
        if (pos >= end) {
            throw new IllegalArgumentException("truncated constant pool");
        }
        return b[pos] & 0xff;
    }

    static int u2(byte[] b, int end, int pos) {
        if (pos + 1 >= end) {
            throw new IllegalArgumentException("truncated constant pool");
        }
        return ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
    }

    static int u4(byte[] b, int end, int pos) {
        return (u2(b, end, pos) << 16) | u2(b, end, pos + 2);
    }
}
