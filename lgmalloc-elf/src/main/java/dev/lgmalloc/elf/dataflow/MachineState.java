package dev.lgmalloc.elf.dataflow;

import dev.lgmalloc.elf.isa.CallingConvention;
import java.util.Arrays;

/**
 * The abstract state at one program point: a {@link Value} per register, the stack slots of the function's own
 * frame that hold known values, whether the frame's address has escaped (so calls and stores through unknown
 * pointers may change any slot), which register (and value) the flags last tested against zero, and what the
 * last zero-test branch taught about an argument on this path. An instruction set's
 * {@link dev.lgmalloc.elf.isa.Semantics} reads and writes the fields directly: it runs for every instruction
 * of every analysed function, many times over.
 */
public final class MachineState {

    private static final int MAX_SLOTS = 64;

    /** The value of every register, by the instruction set's numbering. */
    public final Value[] registers;
    long[] slotOffsets;
    int[] slotWidths;
    boolean[] slotOutgoing; // written through the stack pointer: may be a callee's stack argument
    Value[] slotValues;
    int slotCount;
    /** Whether the frame's address has escaped, so that stores through unknown pointers may change any slot. */
    public boolean frameEscaped;
    /** The register the flags last compared with zero, or -1. */
    public int zeroTested = -1;
    /** The width in bytes of that comparison. */
    public int zeroTestedWidth;
    /** The value the flags last compared with zero (register or frame slot), or null. */
    public Value zeroTestedValue;
    /** What a branch on a zero test established on the paths reaching here, or null. */
    ZeroFact fact;

    /** A state of {@code registerCount} registers, all null: the caller fills them. */
    public MachineState(int registerCount) {
        this.registers = new Value[registerCount];
        slotOffsets = new long[4];
        slotWidths = new int[4];
        slotOutgoing = new boolean[4];
        slotValues = new Value[4];
    }

    /** A copy of {@code s}; allocates each array once (copies are made for every block visited). */
    private MachineState(MachineState s) {
        registers = s.registers.clone();
        slotOffsets = s.slotOffsets.clone();
        slotWidths = s.slotWidths.clone();
        slotOutgoing = s.slotOutgoing.clone();
        slotValues = s.slotValues.clone();
        slotCount = s.slotCount;
        frameEscaped = s.frameEscaped;
        zeroTested = s.zeroTested;
        zeroTestedWidth = s.zeroTestedWidth;
        zeroTestedValue = s.zeroTestedValue;
        fact = s.fact;
    }

    /** The state on entry to a function: arguments as they arrive, the stack pointer at offset 0, nothing else known. */
    public static MachineState entry(CallingConvention convention) {
        MachineState s = new MachineState(convention.registerCount());
        Arrays.fill(s.registers, Value.UNKNOWN);
        for (int i = 0; i < convention.argumentCount(); i++) {
            int r = convention.argument(i);
            s.registers[r] = Value.argument(r);
        }
        s.registers[convention.stackPointer()] = Value.frame(0);
        return s;
    }

    /** A state about which nothing is known (a block reached in ways the CFG does not show). */
    static MachineState unknown(int registerCount) {
        MachineState s = new MachineState(registerCount);
        Arrays.fill(s.registers, Value.UNKNOWN);
        s.frameEscaped = true;
        return s;
    }

    /**
     * Makes this state as a new one with these register values would be (no slots, nothing escaped, no zero
     * test or fact): a scratch state reused for every instruction of a sweep.
     */
    public void resetTo(Value[] values) {
        System.arraycopy(values, 0, registers, 0, registers.length);
        Arrays.fill(slotValues, 0, slotCount, null);
        slotCount = 0;
        frameEscaped = false;
        zeroTested = -1;
        zeroTestedWidth = 0;
        zeroTestedValue = null;
        fact = null;
    }

    /** Forgets the last zero test: an instruction changed the flags. */
    public void forgetZeroTest() {
        zeroTested = -1;
        zeroTestedValue = null;
    }

    MachineState copy() {
        return new MachineState(this);
    }

    /** The join of two states; with {@code widen}, every register or slot that changed becomes unknown. */
    static MachineState join(MachineState old, MachineState incoming, boolean widen) {
        MachineState s = new MachineState(old.registers.length);
        for (int r = 0; r < old.registers.length; r++) {
            Value j = ZeroFact.join(old.registers[r], old.fact, incoming.registers[r], incoming.fact);
            s.registers[r] = widen && !j.equals(old.registers[r]) ? Value.UNKNOWN : j;
        }
        for (int i = 0; i < old.slotCount; i++) {
            int k = incoming.findSlot(old.slotOffsets[i], old.slotWidths[i]);
            if (k >= 0) {
                Value j = ZeroFact.join(old.slotValues[i], old.fact, incoming.slotValues[k], incoming.fact);
                if (!j.isUnknown() && !(widen && !j.equals(old.slotValues[i]))) {
                    s.putSlot(old.slotOffsets[i], old.slotWidths[i], j,
                            old.slotOutgoing[i] || incoming.slotOutgoing[k]);
                }
            }
        }
        s.frameEscaped = old.frameEscaped || incoming.frameEscaped;
        if (old.zeroTested == incoming.zeroTested && old.zeroTestedWidth == incoming.zeroTestedWidth) {
            s.zeroTested = old.zeroTested;
            s.zeroTestedWidth = old.zeroTestedWidth;
        }
        if (old.zeroTestedValue != null && old.zeroTestedValue.equals(incoming.zeroTestedValue)) {
            s.zeroTestedValue = old.zeroTestedValue;
        }
        s.fact = ZeroFact.common(old.fact, incoming.fact);
        return s;
    }

    boolean sameAs(MachineState o) {
        if (!Arrays.equals(registers, o.registers) || slotCount != o.slotCount || frameEscaped != o.frameEscaped
                || zeroTested != o.zeroTested || zeroTestedWidth != o.zeroTestedWidth
                || !java.util.Objects.equals(zeroTestedValue, o.zeroTestedValue)
                || !java.util.Objects.equals(fact, o.fact)) {
            return false;
        }
        for (int i = 0; i < slotCount; i++) {
            int k = o.findSlot(slotOffsets[i], slotWidths[i]);
            if (k < 0 || !slotValues[i].equals(o.slotValues[k])) {
                return false;
            }
        }
        return true;
    }

    int findSlot(long offset, int width) {
        for (int i = 0; i < slotCount; i++) {
            if (slotOffsets[i] == offset && slotWidths[i] == width) {
                return i;
            }
        }
        return -1;
    }

    public Value loadSlot(long offset, int width) {
        int i = findSlot(offset, width);
        return i < 0 ? Value.UNKNOWN : slotValues[i];
    }

    /** Forgets every slot overlapping {@code [offset, offset + width)}. */
    public void killSlots(long offset, int width) {
        for (int i = slotCount - 1; i >= 0; i--) {
            if (slotOffsets[i] < offset + width && offset < slotOffsets[i] + slotWidths[i]) {
                removeSlot(i);
            }
        }
    }

    public void clearSlots() {
        slotCount = 0;
    }

    /** Forgets slots a callee may overwrite: those below the stack pointer and stack arguments just above it. */
    public void killSlotsAcrossCall(Value stackPointer) {
        if (frameEscaped || !stackPointer.isFrame()) {
            clearSlots();
            return;
        }
        long top = stackPointer.frameOffset();
        for (int i = slotCount - 1; i >= 0; i--) {
            if (slotOffsets[i] < top || slotOutgoing[i] && slotOffsets[i] < top + 128) {
                removeSlot(i);
            }
        }
    }

    public void storeSlot(long offset, int width, Value value, boolean outgoing) {
        killSlots(offset, width);
        if (!value.isUnknown()) {
            putSlot(offset, width, value, outgoing);
        }
    }

    private void putSlot(long offset, int width, Value value, boolean outgoing) {
        if (slotCount == MAX_SLOTS) {
            removeSlot(0);
        }
        if (slotCount == slotOffsets.length) {
            int n = slotCount * 2;
            slotOffsets = Arrays.copyOf(slotOffsets, n);
            slotWidths = Arrays.copyOf(slotWidths, n);
            slotOutgoing = Arrays.copyOf(slotOutgoing, n);
            slotValues = Arrays.copyOf(slotValues, n);
        }
        slotOffsets[slotCount] = offset;
        slotWidths[slotCount] = width;
        slotOutgoing[slotCount] = outgoing;
        slotValues[slotCount] = value;
        slotCount++;
    }

    private void removeSlot(int i) {
        int last = slotCount - 1;
        slotOffsets[i] = slotOffsets[last];
        slotWidths[i] = slotWidths[last];
        slotOutgoing[i] = slotOutgoing[last];
        slotValues[i] = slotValues[last];
        slotValues[last] = null;
        slotCount = last;
    }
}
