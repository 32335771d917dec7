package dev.lgmalloc.analysis.jvm.read;

import dev.lgmalloc.analysis.jvm.EntryPoints;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.MethodHandleEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.nio.charset.StandardCharsets;
import java.util.Set;

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

    /** Whether the raw bytes contain the name and the descriptor of at least one of the methods. */
    public static boolean mayReferTo(byte[] classBytes, Set<String> names, Set<String> descriptors) {
        boolean name = false;
        for (String n : names) {
            if (indexOf(classBytes, n.getBytes(StandardCharsets.UTF_8)) >= 0) {
                name = true;
                break;
            }
        }
        if (!name) {
            return false;
        }
        for (String d : descriptors) {
            if (indexOf(classBytes, d.getBytes(StandardCharsets.UTF_8)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether the constant pool refers (by method ref or method handle) to a method {@code name + descriptor}. */
    public static boolean refersTo(ClassModel cm, Set<String> namesAndTypes) {
        for (PoolEntry e : cm.constantPool()) {
            MemberRefEntry ref = e instanceof MemberRefEntry m ? m
                    : e instanceof MethodHandleEntry mh ? mh.reference() : null;
            if (ref != null && namesAndTypes.contains(ref.name().stringValue() + ref.type().stringValue())) {
                return true;
            }
        }
        return false;
    }

    /** Splits {@code name + descriptor} strings into their names and descriptors, for {@link #mayReferTo}. */
    public static void split(Set<String> namesAndTypes, Set<String> names, Set<String> descriptors) {
        for (String nt : namesAndTypes) {
            int paren = nt.indexOf('(');
            names.add(nt.substring(0, paren));
            descriptors.add(nt.substring(paren));
        }
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
