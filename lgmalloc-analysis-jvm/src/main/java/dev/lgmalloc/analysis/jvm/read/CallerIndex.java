package dev.lgmalloc.analysis.jvm.read;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.MethodHandleEntry;
import java.lang.classfile.constantpool.MethodRefEntry;
import java.lang.classfile.constantpool.InterfaceMethodRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which classes of a classpath refer to a method of a given name and descriptor, or owner, name and
 * descriptor (by method ref or method handle), built with one constant-pool pass over every class, so that finding the callers of a set of
 * methods costs a lookup per method.
 */
public final class CallerIndex {

    private final Map<String, List<String>> classesByNameAndType = new HashMap<>();
    private final List<String> unreadable = new ArrayList<>();

    private CallerIndex() {
    }

    /** Indexes every class of {@code contents}; classes whose constant pool cannot be read are listed apart. */
    public static CallerIndex of(ClassPathContents contents) {
        CallerIndex index = new CallerIndex();
        ClassFile cf = ClassFile.of();
        for (ClassSource source : contents.classes()) {
            try {
                ClassModel cm = cf.parse(source.bytes());
                Set<String> refs = new LinkedHashSet<>();
                for (PoolEntry e : cm.constantPool()) {
                    MemberRefEntry ref = e instanceof MethodRefEntry || e instanceof InterfaceMethodRefEntry
                            ? (MemberRefEntry) e : e instanceof MethodHandleEntry mh ? mh.reference() : null;
                    if (ref != null) {
                        String nt = ref.name().stringValue() + ref.type().stringValue();
                        refs.add(nt);
                        refs.add(ref.owner().asInternalName() + "." + nt);
                    }
                }
                for (String nt : refs) {
                    index.classesByNameAndType.computeIfAbsent(nt, k -> new ArrayList<>()).add(source.internalName());
                }
            } catch (RuntimeException malformed) {
                index.unreadable.add(source.internalName());
            }
        }
        return index;
    }

    /**
     * The classes whose constant pool refers to one of the methods, each given as {@code name + descriptor}
     * (any owner) or {@code owner.name + descriptor} (that owner only).
     */
    public Set<String> classesReferring(Set<String> namesAndTypes) {
        Set<String> out = new LinkedHashSet<>();
        for (String nt : namesAndTypes) {
            out.addAll(classesByNameAndType.getOrDefault(nt, List.of()));
        }
        return out;
    }
}
