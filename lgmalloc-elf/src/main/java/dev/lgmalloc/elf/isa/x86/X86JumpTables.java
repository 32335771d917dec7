package dev.lgmalloc.elf.isa.x86;

import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.JumpTables;
import java.util.Arrays;

/**
 * The jump-table forms GCC and Clang emit: {@code jmp [index*8 + table]} (or a load of it first) with absolute
 * entries, and {@code lea base, [rip+table]; movsxd r, [base + index*4]; add r, base; jmp r} (or {@code notrack
 * jmp r} with CET) with entries relative to the table, and GCC -O0's spelling of it ({@code mov eax,
 * [index*4 + table]; cltq}). The {@code lea} is often far ahead of the jump, so every one is remembered. The
 * bounds check before the dispatch ({@code cmp index, N; ja default}) gives the entry count.
 */
final class X86JumpTables implements JumpTables {

    /** How far before the jump the load of the entry is looked for. */
    private static final int LOOK_BACK = 8;

    private final long[] ripLea = new long[16]; // last `lea r, [rip+T]` per register

    X86JumpTables() {
        Arrays.fill(ripLea, Long.MIN_VALUE);
    }

    @Override
    public void observe(Instruction insn) {
        X86Instruction in = (X86Instruction) insn;
        if (in.isLegacy(X86Instruction.MAP_ONE, 0x8d) && in.isRipRelative() && in.reg < 16) {
            ripLea[in.reg] = in.ripTarget();
        }
    }

    @Override
    public Table find(int jumpIndex, Reader code) {
        Table table = unbounded(jumpIndex, code);
        if (table == null) {
            return null;
        }
        int entries = boundsCheck(jumpIndex, code);
        return entries > 0 ? table.bounded(entries) : table;
    }

    /**
     * The entry count from the bounds check GCC and Clang put before a dispatch: {@code cmp index, N} right
     * before {@code ja default} (N + 1 entries) or {@code jae default} (N entries), a few instructions ahead of
     * the jump with no other branch between; 0 when there is none.
     */
    private static int boundsCheck(int jumpIndex, Reader code) {
        X86Instruction branch = new X86Instruction();
        for (int i = jumpIndex - 1; i >= Math.max(1, jumpIndex - LOOK_BACK); i--) {
            code.decode(i, branch);
            if (branch.flow() == Instruction.Flow.NEXT) {
                continue;
            }
            boolean above = branch.isLegacy(X86Instruction.MAP_ONE, 0x77) || branch.isLegacy(X86Instruction.MAP_0F, 0x87);
            boolean aboveOrEqual = branch.isLegacy(X86Instruction.MAP_ONE, 0x73)
                    || branch.isLegacy(X86Instruction.MAP_0F, 0x83);
            if (!above && !aboveOrEqual) {
                return 0; // another transfer between the check and the jump: not a plain dispatch
            }
            X86Instruction compare = new X86Instruction();
            code.decode(i - 1, compare);
            long limit = compareImmediate(compare);
            if (limit < 0 || limit >= MAX_ENTRIES) {
                return 0;
            }
            return (int) (above ? limit + 1 : limit);
        }
        return 0;
    }

    /** Most entries a bounds check may announce; bigger switches are not compiled to one table. */
    private static final int MAX_ENTRIES = 1 << 16;

    /** The unsigned immediate of {@code cmp r/m, imm} (or {@code cmp eax, imm}), or -1 for anything else. */
    private static long compareImmediate(X86Instruction in) {
        if (in.encoding != X86Instruction.LEGACY || in.map != X86Instruction.MAP_ONE) {
            return -1;
        }
        boolean compare = switch (in.opcode) {
            case 0x80, 0x81, 0x83 -> in.digit() == 7;
            case 0x3c, 0x3d -> true;
            default -> false;
        };
        return compare && in.immediate >= 0 ? in.immediate : -1;
    }

    private Table unbounded(int jumpIndex, Reader code) {
        X86Instruction jump = new X86Instruction();
        code.decode(jumpIndex, jump);
        if (jump.hasMemoryOperand()) { // jmp [index*8 + table]
            return jump.memBase == X86Instruction.NONE && jump.memIndex >= 0 && jump.memScale == 8
                    ? new Table(jump.displacement & 0xffffffffL, 8, false) : null;
        }
        int target = jump.rm;
        X86Instruction prior = new X86Instruction();
        for (int i = jumpIndex - 1; i >= Math.max(0, jumpIndex - LOOK_BACK); i--) {
            code.decode(i, prior);
            if (prior.encoding != X86Instruction.LEGACY || !prior.hasMemoryOperand() || prior.reg != target) {
                continue;
            }
            if (prior.isLegacy(X86Instruction.MAP_ONE, 0x63) && prior.memScale == 4 && prior.memIndex >= 0
                    && prior.memBase >= 0 && prior.memBase < 16 && ripLea[prior.memBase] != Long.MIN_VALUE) {
                return new Table(ripLea[prior.memBase], 4, true); // movsxd r, [base + i*4]; add r, base
            }
            if (prior.isLegacy(X86Instruction.MAP_ONE, 0x8b) && !prior.rexW && prior.memScale == 1
                    && prior.memBase >= 0 && prior.memBase < 16 && prior.memIndex >= 0 && i > 0) {
                long table = tableLoadedRightBefore(i, prior, code); // gcc -O0: mov eax, [i*4 + table]; cltq
                if (table != Long.MIN_VALUE) {
                    return new Table(table, 4, true);
                }
            }
            if (prior.isLegacy(X86Instruction.MAP_ONE, 0x8b) && prior.memBase == X86Instruction.NONE
                    && prior.memIndex >= 0 && prior.memScale == 8) {
                return new Table(prior.displacement & 0xffffffffL, 8, false); // mov r, [i*8 + table]
            }
        }
        return null;
    }

    /**
     * GCC -O0's form: {@code lea rdx, [rax*4]; lea rax, [rip+T]; mov eax, [rdx+rax]; cltq; lea rdx, [rip+T];
     * add rax, rdx; jmp rax}. The table is the {@code lea} right before the load into one of its two registers
     * (only right before: a remembered one may have been overwritten since); Long.MIN_VALUE if there is none.
     */
    private static long tableLoadedRightBefore(int load, X86Instruction loadInsn, Reader code) {
        X86Instruction lea = new X86Instruction();
        code.decode(load - 1, lea);
        boolean ripLea = lea.isLegacy(X86Instruction.MAP_ONE, 0x8d) && lea.isRipRelative();
        if (ripLea && (lea.reg == loadInsn.memBase || lea.reg == loadInsn.memIndex)) {
            return lea.ripTarget();
        }
        return Long.MIN_VALUE;
    }

    @Override
    public boolean looksLikeDispatch(int jumpIndex, Reader code) {
        X86Instruction prior = new X86Instruction();
        for (int i = jumpIndex - 1; i >= Math.max(0, jumpIndex - LOOK_BACK); i--) {
            code.decode(i, prior);
            if (prior.hasMemoryOperand() && prior.memIndex >= 0 && prior.memScale >= 4) {
                return true;
            }
        }
        return false;
    }
}
