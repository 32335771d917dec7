package dev.lgmalloc.analysis.jvm.program;

/** How far each kind of assumption behind a prediction can be trusted at run time. */
final class Reliability {

    /**
     * A static final assigned in {@code <clinit>}: a method called during some class's initialisation, or an
     * initialisation started by reflection or a method handle, can still read it before the assignment, with its
     * default value (the cycles of initialisers reading each other's fields directly are modelled exactly).
     */
    static final double CLINIT_FINAL = 0.95;
    /** A private non-final static: only the class writes it, but any of its methods may, at any time. */
    static final double PRIVATE_NON_FINAL_STATIC = 0.7;
    /** A non-private non-final static: other classes (and reflection) may write it. */
    static final double NON_FINAL_STATIC = 0.5;

    /** Parameters of a package-private method: a class of the same package outside the analysed code may call it. */
    static final double PACKAGE_CALLERS = 0.9;
    /** Parameters of a package-private method when only one class (and its nest) is analysed: most callers are unseen. */
    static final double UNSEEN_CALLERS = 0.5;

    private Reliability() {
    }
}
