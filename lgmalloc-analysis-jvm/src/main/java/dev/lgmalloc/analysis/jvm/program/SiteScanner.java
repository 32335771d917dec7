package dev.lgmalloc.analysis.jvm.program;

import dev.lgmalloc.analysis.jvm.EntryPoints;
import dev.lgmalloc.analysis.jvm.interp.InvokeEvent;
import java.lang.classfile.CodeElement;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LineNumber;
import java.util.ArrayList;
import java.util.List;

/** Finds a method's allocation sites without interpreting it: the fallback for code the interpreter rejects. */
final class SiteScanner {

    private SiteScanner() {
    }

    static List<MethodRun.SiteEvent> scan(MethodModel method) {
        List<MethodRun.SiteEvent> out = new ArrayList<>();
        if (method.code().isEmpty()) {
            return out;
        }
        int bci = 0;
        int line = -1;
        for (CodeElement e : method.code().get()) {
            if (e instanceof LineNumber ln) {
                line = ln.line();
            } else if (e instanceof Instruction insn) {
                if (insn instanceof InvokeInstruction inv) {
                    int at = bci;
                    int atLine = line;
                    EntryPoints.find(inv.owner().asInternalName(), inv.name().stringValue(),
                                    inv.type().stringValue())
                            .ifPresent(ep -> out.add(new MethodRun.SiteEvent(
                                    new InvokeEvent(inv, at, atLine, 0, List.of(), true), ep)));
                }
                bci += insn.sizeInBytes();
            }
        }
        return out;
    }
}
