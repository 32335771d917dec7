package dev.lgmalloc.elf.program;

import dev.lgmalloc.elf.isa.Instruction;
import java.util.BitSet;
import java.util.Set;

/**
 * Calls that never come back: the C and C++ runtime's exits, aborts and throws, by name (imported, or defined in
 * the binary under that name). The code after such a call is another block that only jumps reach (GCC places a
 * cold part's next piece right after its {@code call abort}); falling into it would invent a path, and a cycle
 * through it would widen a join in the hot part to unknown. With {@link #including}, also the binary's own
 * functions that never return ({@link OwnNoReturnFunctions}).
 */
public final class NoReturnCalls {

    private static final Set<String> NAMES = Set.of(
            "abort", "exit", "_exit", "_Exit", "quick_exit", "__assert_fail", "__assert_perror_fail",
            "__stack_chk_fail", "__chk_fail", "__fortify_fail", "err", "errx", "verr", "verrx",
            "longjmp", "siglongjmp", "_longjmp", "__longjmp_chk", "pthread_exit", "__cxa_throw", "__cxa_rethrow",
            "__cxa_bad_cast", "__cxa_bad_typeid", "__cxa_throw_bad_array_new_length", "__cxa_pure_virtual",
            "_Unwind_Resume", "_ZSt9terminatev", "__libc_fatal");

    private final CallResolver resolver;
    /** The binary's functions defined under a name of {@link #NAMES} (by index): looked up once, not per call. */
    private final BitSet named;
    private final BitSet own;

    /** The calls of the runtime's functions that never return, known by name. */
    public NoReturnCalls(CallResolver resolver, Functions functions) {
        this(resolver, namedNoReturn(functions), new BitSet());
    }

    private NoReturnCalls(CallResolver resolver, BitSet named, BitSet own) {
        this.resolver = resolver;
        this.named = named;
        this.own = own;
    }

    private static BitSet namedNoReturn(Functions functions) {
        BitSet named = new BitSet();
        for (int f = 0; f < functions.count(); f++) {
            for (String alias : functions.aliases(f)) {
                if (isNoReturn(alias)) {
                    named.set(f);
                    break;
                }
            }
        }
        return named;
    }

    /** These calls and those of the binary's own functions in {@code ownNoReturn} (by index). */
    public NoReturnCalls including(BitSet ownNoReturn) {
        return new NoReturnCalls(resolver, named, (BitSet) ownNoReturn.clone());
    }

    /** Whether {@code insn} is a call of a function that never returns. */
    public boolean endsPath(Instruction insn) {
        Instruction.Flow flow = insn.flow();
        if (flow != Instruction.Flow.CALL && flow != Instruction.Flow.INDIRECT_CALL) {
            return false;
        }
        return endsPath(resolver.resolve(insn, -1));
    }

    /** Whether a call of {@code callee} (resolved already; null when unknown) never returns. */
    public boolean endsPath(Callee callee) {
        if (callee == null) {
            return false;
        }
        if (callee.isImport()) {
            return isNoReturn(callee.importName());
        }
        return own.get(callee.function()) || named.get(callee.function());
    }

    /** Whether the binary defines function {@code f} under the name of a runtime function that never returns. */
    public boolean isNamedNoReturn(int f) {
        return named.get(f);
    }

    /** The names, plus libstdc++'s {@code std::__throw_*} helpers ({@code _ZSt19__throw_logic_errorPKc}...). */
    static boolean isNoReturn(String name) {
        return NAMES.contains(name) || name.startsWith("_ZSt") && name.contains("__throw_");
    }
}
