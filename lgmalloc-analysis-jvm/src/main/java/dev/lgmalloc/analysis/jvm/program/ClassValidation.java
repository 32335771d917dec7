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
        for (PoolEntry e : cm.constantPool()) {
            touch(e);
        }
        cm.thisClass().asInternalName();
        cm.superclass().ifPresent(ClassEntry::asInternalName);
        cm.interfaces().forEach(ClassEntry::asInternalName);
        cm.flags().flagsMask();
        cm.attributes().forEach(Attribute::attributeName);
        for (FieldModel f : cm.fields()) {
            f.fieldName().stringValue();
            f.fieldTypeSymbol();
            f.flags().flagsMask();
            f.attributes().forEach(Attribute::attributeName);
        }
        for (MethodModel m : cm.methods()) {
            m.methodName().stringValue();
            m.methodTypeSymbol();
            m.flags().flagsMask();
            m.attributes().forEach(Attribute::attributeName);
        }
    }

    private static void touch(PoolEntry e) {
        switch (e) {
            case ClassEntry c -> c.asInternalName();
            case MemberRefEntry m -> {
                m.owner().asInternalName();
                m.name().stringValue();
                m.type().stringValue();
            }
            case NameAndTypeEntry nt -> {
                nt.name().stringValue();
                nt.type().stringValue();
            }
            case MethodHandleEntry mh -> {
                mh.kind();
                touch(mh.reference());
            }
            case MethodTypeEntry mt -> mt.descriptor().stringValue();
            case DynamicConstantPoolEntry d -> {
                d.name().stringValue();
                d.type().stringValue();
            }
            case ConstantValueEntry c -> c.constantValue();
            case ModuleEntry m -> m.name().stringValue();
            case PackageEntry p -> p.name().stringValue();
            default -> {
                // Utf8 entries are read through the entries that use them.
            }
        }
    }
}
