package dev.lgmalloc.analysis.jvm.interp;

import java.lang.classfile.TypeKind;

/** The verification type of a stack entry or local, as far as the value analysis cares. */
public enum Kind {
    INT, LONG, FLOAT, DOUBLE, REF,
    /** A local that holds nothing usable here (unset, the upper half of a long, or conflicting types). */
    EMPTY;

    /** The kind of a value of {@code type}; boolean, byte, char and short are ints on the operand stack. */
    public static Kind of(TypeKind type) {
        return switch (type) {
            case BOOLEAN, BYTE, CHAR, SHORT, INT -> INT;
            case LONG -> LONG;
            case FLOAT -> FLOAT;
            case DOUBLE -> DOUBLE;
            case REFERENCE -> REF;
            case VOID -> throw new IllegalArgumentException("void has no value");
        };
    }

    /** How many local or stack slots a value of this kind takes. */
    public int slots() {
        return this == LONG || this == DOUBLE ? 2 : 1;
    }
}
