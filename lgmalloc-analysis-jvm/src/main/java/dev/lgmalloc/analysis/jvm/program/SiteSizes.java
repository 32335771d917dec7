package dev.lgmalloc.analysis.jvm.program;

import dev.lgmalloc.analysis.jvm.EntryPoint;
import dev.lgmalloc.analysis.jvm.interp.InvokeEvent;
import dev.lgmalloc.analysis.jvm.interp.Kind;
import dev.lgmalloc.analysis.jvm.interp.Value;
import java.lang.classfile.Opcode;
import java.util.List;

/** The requested size of an allocation call, from its arguments and its entry point's {@code SizeRule}. */
final class SiteSizes {

    private SiteSizes() {
    }

    /** The size as an abstract long value (unknown when the arguments are, or the call was not interpreted). */
    static Value sizeOf(InvokeEvent event, EntryPoint entryPoint) {
        List<Value> args = event.arguments();
        int first = event.instruction().opcode() == Opcode.INVOKESTATIC ? 0 : 1;
        if (args.size() < first + 1) {
            return Value.unknown(Kind.LONG);
        }
        Value a = args.get(first);
        Value b = args.size() > first + 1 ? args.get(first + 1) : null;
        return switch (entryPoint.sizeRule()) {
            case FIRST_ARGUMENT -> asLong(a);
            case SECOND_ARGUMENT -> asLong(b);
            case PRODUCT_OF_FIRST_TWO -> product(asLong(a), asLong(b));
            case LAYOUT_BYTE_SIZE -> layoutSize(a);
            case LAYOUT_BYTE_SIZE_TIMES_SECOND -> product(layoutSize(a), asLong(b));
        };
    }

    private static Value asLong(Value v) {
        if (v == null || (v.kind() != Kind.INT && v.kind() != Kind.LONG)) {
            return Value.unknown(Kind.LONG);
        }
        return Value.integral(Kind.LONG, v.constants(), v.reliability(), v.deps());
    }

    /** The sizes of the layouts the argument may be (a null layout makes the call throw: no size). */
    private static Value layoutSize(Value v) {
        if (v.layouts() == null || v.layouts().isNull()) {
            return Value.integral(Kind.LONG, null, 1, v.deps());
        }
        return Value.integral(Kind.LONG, v.layouts().byteSizes(), v.reliability(), v.deps());
    }

    // Overflowing products make the allocator fail, so they predict no size.
    private static Value product(Value a, Value b) {
        long deps = a.deps() | b.deps();
        if (!a.hasConstants() || !b.hasConstants()) {
            return Value.integral(Kind.LONG, null, 1, deps);
        }
        return Value.integral(Kind.LONG, a.constants().combine(b.constants(), Math::multiplyExact),
                Math.min(a.reliability(), b.reliability()), deps);
    }
}
