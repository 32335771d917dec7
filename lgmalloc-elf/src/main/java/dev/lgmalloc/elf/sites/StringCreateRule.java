package dev.lgmalloc.elf.sites;

import dev.lgmalloc.analysis.value.ConstantSet;
import dev.lgmalloc.elf.dataflow.MachineState;
import dev.lgmalloc.elf.dataflow.SizeExpression;
import dev.lgmalloc.elf.dataflow.SizeExpression.Evaluation;
import dev.lgmalloc.elf.dataflow.SizeExpression.Known;
import dev.lgmalloc.elf.dataflow.SizeExpression.Unknown;
import dev.lgmalloc.elf.dataflow.SizeRule;
import dev.lgmalloc.elf.dataflow.Value;
import dev.lgmalloc.elf.isa.CallingConvention;
import java.util.Arrays;

/**
 * The size libstdc++'s {@code std::string::_M_create(size_type& capacity, size_type old_capacity)} asks
 * {@code operator new} for, by tail call, so that {@code new} returns straight into the caller of
 * {@code _M_create}. A request between the old capacity and twice it is raised to twice the old one (amortised
 * growth), capped at {@code max_size()}; the string then needs one more byte for its terminating NUL. A capacity
 * above {@code max_size()} throws {@code length_error} instead.
 *
 * <p>A size is predicted only when the capacity the first argument points to is a known constant in the
 * caller's own frame and the old capacity is a known constant. {@code max_size()} itself changed between
 * libstdc++ versions (2^62 - 1 from GCC 12, 2^63 - 1 before), so requests that come near it are not predicted.
 *
 * <p>A program that defines its own {@code operator new} (gdb) receives {@code _M_create}'s call in it, since
 * the library's call goes through the PLT: the size then passes through that operator's own size expression.
 */
final class StringCreateRule implements SizeRule {

    /** The mangled name of {@code std::__cxx11::basic_string<char>::_M_create(unsigned long&, unsigned long)}. */
    static final String SYMBOL = "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_createERmm";
    /** The smallest {@code max_size()} of any libstdc++ version: below it every version computes the same size. */
    static final long SMALLEST_MAX_SIZE = (1L << 62) - 1;

    /** The size expression of the program's own {@code operator new}, or null when the library's is called. */
    private final SizeExpression ownOperatorNew;

    /** The rule when {@code _M_create} reaches the C++ runtime's {@code operator new}. */
    StringCreateRule() {
        this(null);
    }

    /** The rule when {@code _M_create} reaches the program's own {@code operator new}, of this size expression. */
    StringCreateRule(SizeExpression ownOperatorNew) {
        this.ownOperatorNew = ownOperatorNew;
    }

    @Override
    public Evaluation evaluate(MachineState before, CallingConvention convention) {
        Value pointer = before.registers[convention.argument(1)];
        if (!pointer.isFrame()) {
            return new Unknown("the capacity _M_create is given is not in the caller's frame");
        }
        Value capacity = before.loadSlot(pointer.frameOffset(), Long.BYTES);
        Value old = before.registers[convention.argument(2)];
        if (!capacity.isConstants() || !old.isConstants()) {
            return new Unknown((capacity.isConstants() ? "the old capacity" : "the capacity")
                    + " passed to _M_create is not a known constant");
        }
        long[] sizes = new long[capacity.constantValues().length * old.constantValues().length];
        int n = 0;
        for (long requested : capacity.constantValues()) {
            for (long previous : old.constantValues()) {
                if (requested < 0 || previous < 0 || requested >= SMALLEST_MAX_SIZE / 2
                        || previous >= SMALLEST_MAX_SIZE / 2) {
                    return new Unknown("a capacity passed to _M_create is near max_size()");
                }
                sizes[n++] = allocationSize(requested, previous, SMALLEST_MAX_SIZE);
            }
        }
        long[] distinct = Arrays.stream(sizes).distinct().sorted().toArray();
        if (distinct.length > ConstantSet.MAX_SIZE) {
            return new Unknown("too many possible sizes");
        }
        return ownOperatorNew == null ? new Known(distinct) : throughOwnOperatorNew(distinct, convention);
    }

    private Evaluation throughOwnOperatorNew(long[] sizes, CallingConvention convention) {
        Value[] arguments = new Value[convention.registerCount()];
        Arrays.fill(arguments, Value.UNKNOWN);
        arguments[convention.argument(0)] = Value.constants(sizes);
        Evaluation e = ownOperatorNew.evaluate(arguments, convention);
        return e instanceof Known ? e : new Unknown("the program's operator new changes _M_create's size unpredictably");
    }

    /**
     * What {@code _M_create(requested, old)} passes to {@code operator new}, for a library whose
     * {@code max_size()} is {@code maxSize}; both capacities are at most {@code maxSize} (unsigned).
     */
    static long allocationSize(long requested, long old, long maxSize) {
        long capacity = requested;
        if (Long.compareUnsigned(requested, old) > 0 && Long.compareUnsigned(requested, 2 * old) < 0) {
            capacity = Long.compareUnsigned(2 * old, maxSize) > 0 ? maxSize : 2 * old;
        }
        return capacity + 1;
    }
}
