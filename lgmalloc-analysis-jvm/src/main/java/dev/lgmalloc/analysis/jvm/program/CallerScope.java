package dev.lgmalloc.analysis.jvm.program;

import java.lang.classfile.MethodModel;
import java.lang.reflect.AccessFlag;

/**
 * Which callers of a method the analysis sees, and so whether the arguments it sees are those of every call:
 * private methods are called only from their nest, which is always analysed; package-private ones from their
 * package; public and protected ones from anywhere unless the analysed class path is the whole program.
 */
public enum CallerScope {
    /** One class and its nest, as a class file transformer sees it: most callers are elsewhere. */
    ONE_CLASS,
    /** A whole class path that code outside it may call into (a library). */
    OPEN_CLASS_PATH,
    /** A whole class path that is the whole program: every caller is on it. */
    CLOSED_CLASS_PATH;

    /**
     * Whether code the analysis cannot see may call {@code method}, so that no argument it sees says what a
     * parameter holds.
     */
    boolean isOpen(MethodModel method) {
        if (this == CLOSED_CLASS_PATH || method.flags().has(AccessFlag.PRIVATE)) {
            return false;
        }
        return method.flags().has(AccessFlag.PUBLIC) || method.flags().has(AccessFlag.PROTECTED);
    }

    /**
     * How far the joined arguments of the callers seen describe every call of a method that is not open: fully
     * for private methods and in a closed world; a package-private method can still be called by a class of its
     * package outside the analysed code (a split package, or any class when only one class is analysed).
     */
    double callerReliability(MethodModel method) {
        if (this == CLOSED_CLASS_PATH || method.flags().has(AccessFlag.PRIVATE)) {
            return 1;
        }
        return this == ONE_CLASS ? Reliability.UNSEEN_CALLERS : Reliability.PACKAGE_CALLERS;
    }
}
