package dev.lgmalloc.analysis.jvm.read;

import dev.lgmalloc.analysis.jvm.EntryPoints;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.nio.charset.StandardCharsets;

/**
 * Cheap tests that decide which classes are worth interpreting: a raw byte search, then a constant-pool scan.
 * A class can only call a method its constant pool refers to.
 */
public final class ApiReferenceFilter {

    // Every entry point's name contains "lloc" (malloc, calloc, realloc, alignedAlloc, allocate, ...).
    private static final byte[] ENTRY_POINT_NEEDLE = "lloc".getBytes(StandardCharsets.US_ASCII);

    private ApiReferenceFilter() {
    }

    /** False when the class certainly does not call an allocation entry point; true when it might. */
    public static boolean mayCallAllocationApi(byte[] classBytes) {
        return indexOf(classBytes, ENTRY_POINT_NEEDLE) >= 0;
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
        if (needle.length == 0) {
            return 0;
        }
        byte first = needle[0];
        int last = haystack.length - needle.length;
        outer:
        for (int i = 0; i <= last; i++) {
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
