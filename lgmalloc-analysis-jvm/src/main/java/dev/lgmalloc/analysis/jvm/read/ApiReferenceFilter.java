package dev.lgmalloc.analysis.jvm.read;

import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.EntryPoints;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Cheap tests that decide which classes are worth interpreting: a raw byte search, then a constant-pool scan.
 * A class can only call a method its constant pool refers to, by a name the pool holds as a Utf8 entry.
 */
public final class ApiReferenceFilter {

    // Every entry point's name contains "lloc" (malloc, calloc, realloc, alignedAlloc, allocate, ...).
    private static final byte[] ENTRY_POINT_NEEDLE = "lloc".getBytes(StandardCharsets.US_ASCII);

    // Each entry point's name as its Utf8 constant is stored: tag 1, length (u2), bytes.
    private static final byte[][] ENTRY_POINT_NAME_ENTRIES = entryPointNameEntries();

    private ApiReferenceFilter() {
    }

    /**
     * False when the class certainly does not call an allocation entry point; true when it might, or when it is
     * malformed (the parser then reports it). "lloc" alone passes every class of a package named
     * {@code lgmalloc}, the application's own lgmalloc classes among them, which were then parsed for nothing: a
     * class passes when some "lloc" in its bytes is part of an entry point's name stored whole as a Utf8
     * constant. Without one, a well-formed constant pool names no entry point; only then is the pool walked, to
     * tell that from a truncated or garbage file.
     */
    public static boolean mayCallAllocationApi(byte[] classBytes) {
        return mayCallAllocationApi(classBytes, classBytes.length);
    }

    /**
     * {@link #mayCallAllocationApi(byte[])} of a class whose bytes are lent for the call: held ones as they are, a
     * runtime image's copied into {@code buffer}, so the test allocates nothing.
     */
    public static boolean mayCallAllocationApi(ClassBytes content, ScanBuffer buffer) {
        content.lendTo(buffer);
        return mayCallAllocationApi(buffer.bytes(), buffer.length());
    }

    /** {@link #mayCallAllocationApi(byte[])} of the class file {@code b[0, end)}. */
    static boolean mayCallAllocationApi(byte[] b, int end) {
        int at = indexOf(b, end, ENTRY_POINT_NEEDLE, 0);
        if (at < 0) {
            return false;
        }
        for (; at >= 0; at = indexOf(b, end, ENTRY_POINT_NEEDLE, at + 1)) {
            if (isInEntryPointNameEntry(b, end, at)) {
                return true;
            }
        }
        return !RawConstantPool.isWellFormed(b, end);
    }

    /** Whether the needle found at {@code at} lies inside the Utf8 constant of an entry point's name. */
    private static boolean isInEntryPointNameEntry(byte[] b, int end, int at) {
        for (byte[] entry : ENTRY_POINT_NAME_ENTRIES) {
            int start = at - indexOf(entry, ENTRY_POINT_NEEDLE, 0);
            if (start >= 0 && start + entry.length <= end
                    && Arrays.equals(b, start, start + entry.length, entry, 0, entry.length)) {
                return true;
            }
        }
        return false;
    }

    private static byte[][] entryPointNameEntries() {
        Set<String> names = new LinkedHashSet<>();
        for (EntryPoint e : EntryPoints.all()) {
            names.add(e.name());
        }
        byte[][] entries = new byte[names.size()][];
        int i = 0;
        for (String name : names) {
            byte[] text = name.getBytes(StandardCharsets.US_ASCII);
            if (indexOf(text, ENTRY_POINT_NEEDLE, 0) < 0) {
                throw new IllegalStateException("the pre-filter's needle is not in the entry point name " + name);
            }
            byte[] entry = new byte[3 + text.length];
            entry[0] = 1; // CONSTANT_Utf8
            entry[1] = (byte) (text.length >>> 8);
            entry[2] = (byte) text.length;
            System.arraycopy(text, 0, entry, 3, text.length);
            entries[i++] = entry;
        }
        return entries;
    }

    /** Whether the class's constant pool refers to an allocation entry point. */
    public static boolean callsAllocationApi(ClassModel cm) {
        for (PoolEntry e : cm.constantPool()) {
            if (e instanceof MemberRefEntry ref && EntryPoints.isOwner(ref.owner().asInternalName())
                    && EntryPoints.find(ref.owner().asInternalName(), ref.name().stringValue(),
                            ref.type().stringValue()).isPresent()) {
                return true;
            }
        }
        return false;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        return indexOf(haystack, needle, 0);
    }

    /** The first index at or after {@code from} where {@code needle} occurs in {@code haystack}, or -1. */
    static int indexOf(byte[] haystack, byte[] needle, int from) {
        return indexOf(haystack, haystack.length, needle, from);
    }

    /** {@link #indexOf(byte[], byte[], int)} in {@code haystack[0, end)}. */
    private static int indexOf(byte[] haystack, int end, byte[] needle, int from) {
        if (needle.length == 0) {
            return Math.min(from, end);
        }
        byte first = needle[0];
        int last = end - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

}
