package dev.lgmalloc.analysis.jvm.program;

import java.lang.classfile.ClassModel;
import java.lang.classfile.FieldModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.reflect.AccessFlag;
import java.util.Optional;

/** Which program class declares a static field a {@code getstatic} names: the class whose initialisation it starts. */
final class StaticFieldOwners {

    private StaticFieldOwners() {
    }

    // JVMS 5.4.3.2: a field is looked up in the class, then its superinterfaces, then its superclass.
    static Optional<ClassModel> declaringClass(ClassUniverse universe, String owner, String name, String descriptor) {
        return declaringClass(universe, owner, name, descriptor, 0);
    }

    private static Optional<ClassModel> declaringClass(ClassUniverse universe, String owner, String name,
                                                       String descriptor, int depth) {
        if (depth > 32) {
            return Optional.empty();
        }
        Optional<ClassModel> cm = universe.programClass(owner);
        if (cm.isEmpty()) {
            return Optional.empty();
        }
        for (FieldModel f : cm.get().fields()) {
            if (f.fieldName().equalsString(name) && f.fieldType().equalsString(descriptor)) {
                return f.flags().has(AccessFlag.STATIC) ? cm : Optional.empty();
            }
        }
        for (ClassEntry itf : cm.get().interfaces()) {
            Optional<ClassModel> found = declaringClass(universe, itf.asInternalName(), name, descriptor, depth + 1);
            if (found.isPresent()) {
                return found;
            }
        }
        return cm.get().superclass()
                .flatMap(s -> declaringClass(universe, s.asInternalName(), name, descriptor, depth + 1));
    }
}
