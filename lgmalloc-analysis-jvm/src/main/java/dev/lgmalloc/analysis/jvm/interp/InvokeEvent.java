package dev.lgmalloc.analysis.jvm.interp;

import java.lang.classfile.instruction.InvokeInstruction;
import java.util.List;

/**
 * An invoke instruction met while replaying a method's fixpoint.
 *
 * @param instruction the invoke
 * @param bci         its bytecode index
 * @param line        its source line, or -1
 * @param loopDepth   how many loops enclose it
 * @param arguments   the argument values, receiver first for instance calls; empty when {@code reachable} is false
 * @param reachable   false when no path of the analysed method reaches the instruction
 */
public record InvokeEvent(InvokeInstruction instruction, int bci, int line, int loopDepth, List<Value> arguments,
                          boolean reachable) {

    public InvokeEvent {
        arguments = List.copyOf(arguments);
    }

    /** Internal name of the class or interface the invoke names. */
    public String owner() {
        return instruction.owner().asInternalName();
    }

    public String name() {
        return instruction.name().stringValue();
    }

    public String descriptor() {
        return instruction.type().stringValue();
    }
}
