package dev.lgmalloc.analysis.jvm.program;

import java.lang.classfile.Attribute;
import java.lang.classfile.ClassModel;
import java.lang.classfile.FieldModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.ConstantValueEntry;
import java.lang.classfile.constantpool.DynamicConstantPoolEntry;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.MethodHandleEntry;
import java.lang.classfile.constantpool.MethodTypeEntry;
import java.lang.classfile.constantpool.ModuleEntry;
import java.lang.classfile.constantpool.NameAndTypeEntry;
import java.lang.classfile.constantpool.PackageEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.util.List;

/**
 * Forces the parts of a lazily parsed class the analysis reads outside method bodies (constant pool,
 * names, descriptors, attribute headers), so a malformed class fails at one known point instead of
 * wherever the analysis first touches the broken part. Method bodies are checked as they are interpreted.
 */
public final class ClassValidation {

    private ClassValidation() {
    }

    /**
     * Reads everything but the code of {@code cm}.
     *
     * @throws RuntimeException the ClassFile API's unchecked exception for the first malformed part
     */
    public static void check(ClassModel cm) {
        // Plain loops and instanceof tests, no lambdas or pattern switch: each would be a class the JVM spins on
        // first use, and the agent runs this before main, in a cold JVM.
        for (PoolEntry e : cm.constantPool()) {
            touch(e);
        }
        cm.thisClass().asInternalName();
        if (cm.superclass().isPresent()) {
            cm.superclass().get().asInternalName();
        }
        for (ClassEntry i : cm.interfaces()) {
            i.asInternalName();
        }
        cm.flags().flagsMask();
        touchNames(cm.attributes());
        for (FieldModel f : cm.fields()) {
            f.fieldName().stringValue();
            f.fieldTypeSymbol();
            f.flags().flagsMask();
            touchNames(f.attributes());
        }
        for (MethodModel m : cm.methods()) {
            m.methodName().stringValue();
            m.methodTypeSymbol();
            m.flags().flagsMask();
            touchNames(m.attributes());
        }
    }

    private static void touchNames(List<Attribute<?>> attributes) {
        for (Attribute<?> a : attributes) {
            a.attributeName();
        }
    }

    private static void touch(PoolEntry e) {
        if (e instanceof ClassEntry c) {
            c.asInternalName();
        } else if (e instanceof MemberRefEntry m) {
            m.owner().asInternalName();
            m.name().stringValue();
            m.type().stringValue();
        } else if (e instanceof NameAndTypeEntry nt) {
            nt.name().stringValue();
            nt.type().stringValue();
        } else if (e instanceof MethodHandleEntry mh) {
            mh.kind();
            touch(mh.reference());
        } else if (e instanceof MethodTypeEntry mt) {
            mt.descriptor().stringValue();
        } else if (e instanceof DynamicConstantPoolEntry d) {
            d.name().stringValue();
            d.type().stringValue();
        } else if (e instanceof ConstantValueEntry c) {
            c.constantValue();
        } else if (e instanceof ModuleEntry m) {
            m.name().stringValue();
        } else if (e instanceof PackageEntry p) {
            p.name().stringValue();
        }
        // Utf8 entries are read through the entries that use them.
    }
}
