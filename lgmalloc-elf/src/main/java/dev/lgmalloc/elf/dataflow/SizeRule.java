package dev.lgmalloc.elf.dataflow;

import dev.lgmalloc.elf.isa.CallingConvention;

/**
 * How an allocation entry point's requested size follows from the state at a call of it. Most entry points
 * read argument registers ({@link SizeExpression}); some read memory an argument points to (libstdc++'s
 * {@code std::string::_M_create} takes its capacity by reference).
 */
public interface SizeRule {

    /** The size a call requests, given the state just before the call. */
    SizeExpression.Evaluation evaluate(MachineState before, CallingConvention convention);
}
