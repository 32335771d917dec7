package dev.lgmalloc.analysis.jvm.interp;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The abstract state before an instruction: locals, operand stack, and (only while interpreting a
 * {@code <clinit>}) the class's own tracked static fields. Long and double values take one stack entry but
 * two local slots, the second holding {@link Value#empty()}.
 */
public final class Frame {

    private final Value[] locals;
    private final Value[] stack;
    private int depth;          // entries on the stack
    private int stackSlots;     // slots those entries take, checked against max_stack
    private final int maxStackSlots;
    private final Value[] statics; // null outside <clinit>

    Frame(int maxLocals, int maxStack, int staticCount) {
        this.locals = new Value[maxLocals];
        Arrays.fill(locals, Value.empty());
        this.stack = new Value[Math.max(maxStack, 0)];
        this.maxStackSlots = maxStack;
        this.statics = staticCount < 0 ? null : new Value[staticCount];
    }

    private Frame(Frame other) {
        this.locals = other.locals.clone();
        this.stack = other.stack.clone();
        this.depth = other.depth;
        this.stackSlots = other.stackSlots;
        this.maxStackSlots = other.maxStackSlots;
        this.statics = other.statics == null ? null : other.statics.clone();
    }

    Frame copy() {
        return new Frame(this);
    }

    /** A copy whose stack holds just {@code thrown}: the state at an exception handler. */
    Frame forHandler(Value thrown) {
        Frame f = new Frame(this);
        Arrays.fill(f.stack, null);
        f.depth = 0;
        f.stackSlots = 0;
        f.push(thrown);
        return f;
    }

    // ---- stack ----

    void push(Value v) {
        if (v.kind() == Kind.EMPTY) {
            throw new BadCodeException("pushing an unusable value");
        }
        if (stackSlots + v.kind().slots() > maxStackSlots || depth >= stack.length) {
            throw new BadCodeException("operand stack overflow (max_stack " + maxStackSlots + ")");
        }
        stack[depth++] = v;
        stackSlots += v.kind().slots();
    }

    Value pop() {
        if (depth == 0) {
            throw new BadCodeException("operand stack underflow");
        }
        Value v = stack[--depth];
        stack[depth] = null;
        stackSlots -= v.kind().slots();
        return v;
    }

    /** Pops a value that must be of {@code kind}; a mismatch means the code is malformed. */
    Value pop(Kind kind) {
        Value v = pop();
        if (v.kind() != kind) {
            throw new BadCodeException("expected " + kind + " on the stack, found " + v.kind());
        }
        return v;
    }

    Value peek(int fromTop) {
        if (fromTop >= depth) {
            throw new BadCodeException("operand stack underflow");
        }
        return stack[depth - 1 - fromTop];
    }

    /** Pops entries that together take exactly {@code slots} slots, returned bottom first. */
    Value[] popSlots(int slots) {
        Value[] taken = new Value[slots];
        int n = 0;
        int remaining = slots;
        while (remaining > 0) {
            Value v = pop();
            remaining -= v.kind().slots();
            taken[n++] = v;
        }
        if (remaining < 0) {
            throw new BadCodeException("stack instruction splits a long or double");
        }
        Value[] bottomFirst = new Value[n];
        for (int i = 0; i < n; i++) {
            bottomFirst[i] = taken[n - 1 - i];
        }
        return bottomFirst;
    }

    void pushAll(Value[] values) {
        for (Value v : values) {
            push(v);
        }
    }

    int depth() {
        return depth;
    }

    // ---- locals ----

    Value local(int slot) {
        checkSlot(slot, 1);
        return locals[slot];
    }

    void setLocal(int slot, Value v) {
        checkSlot(slot, v.kind().slots());
        if (slot > 0 && locals[slot - 1].kind().slots() == 2) {
            locals[slot - 1] = Value.empty(); // overwrote the upper half of a long or double
        }
        locals[slot] = v;
        if (v.kind().slots() == 2) {
            locals[slot + 1] = Value.empty();
        }
    }

    int maxLocals() {
        return locals.length;
    }

    private void checkSlot(int slot, int size) {
        if (slot < 0 || slot + size > locals.length) {
            throw new BadCodeException("local slot " + slot + " outside max_locals " + locals.length);
        }
    }

    // ---- own static fields (inside <clinit>) ----

    boolean tracksStatics() {
        return statics != null;
    }

    Value staticField(int index) {
        return statics[index];
    }

    void setStaticField(int index, Value v) {
        statics[index] = v;
    }

    // ---- tracked arrays ----

    /** Replaces every slot holding tracked array {@code id} by {@code updated}, or forgets it when null. */
    void replaceArray(int id, TrackedArray updated) {
        for (int i = 0; i < locals.length; i++) {
            locals[i] = replaced(locals[i], id, updated);
        }
        for (int i = 0; i < depth; i++) {
            stack[i] = replaced(stack[i], id, updated);
        }
        if (statics != null) {
            for (int i = 0; i < statics.length; i++) {
                statics[i] = replaced(statics[i], id, updated);
            }
        }
    }

    /** Whether any slot holds tracked array {@code id}. */
    boolean holdsArray(int id) {
        for (Value v : locals) {
            if (v.array() != null && v.array().id() == id) {
                return true;
            }
        }
        for (int i = 0; i < depth; i++) {
            if (stack[i].array() != null && stack[i].array().id() == id) {
                return true;
            }
        }
        return false;
    }

    /** Forgets the contents of the array {@code v} is, if tracked: someone else may now change it. */
    void escape(Value v) {
        if (v.array() != null) {
            replaceArray(v.array().id(), null);
        }
    }

    private static Value replaced(Value v, int id, TrackedArray updated) {
        if (v == null || v.array() == null || v.array().id() != id) {
            return v;
        }
        if (updated == null) {
            return Value.ref(v.refType()).withDeps(v.deps());
        }
        return Value.array(updated, v.refType(), v.deps());
    }

    // ---- joins ----

    /**
     * Joins {@code incoming} into this frame; with {@code widen} (a loop back-edge) every slot that changes
     * becomes unknown instead, so loop-carried values are never reported as constants.
     *
     * @return whether this frame changed
     */
    boolean mergeFrom(Frame incoming, boolean widen) {
        if (incoming.depth != depth || incoming.locals.length != locals.length) {
            throw new BadCodeException("stack heights differ at a join (" + depth + " vs " + incoming.depth + ")");
        }
        Value[] oldLocals = locals.clone();
        Value[] oldStack = stack.clone();
        Value[] oldStatics = statics == null ? null : statics.clone();
        Set<Integer> droppedArrays = new HashSet<>();
        for (int i = 0; i < locals.length; i++) {
            locals[i] = merge(locals[i], incoming.locals[i], widen, droppedArrays);
        }
        for (int i = 0; i < depth; i++) {
            stack[i] = merge(stack[i], incoming.stack[i], widen, droppedArrays);
            if (stack[i].kind() == Kind.EMPTY) {
                throw new BadCodeException("stack entry " + i + " has conflicting kinds at a join");
            }
        }
        if (statics != null && incoming.statics != null) {
            for (int i = 0; i < statics.length; i++) {
                statics[i] = merge(statics[i], incoming.statics[i], widen, droppedArrays);
            }
        }
        // An array that one path still tracks but the join lost may be changed through the lost alias.
        for (int id : droppedArrays) {
            replaceArray(id, null);
        }
        return !Arrays.equals(oldLocals, locals) || !Arrays.equals(oldStack, stack)
                || !Arrays.equals(oldStatics, statics);
    }

    private static Value merge(Value current, Value incoming, boolean widen, Set<Integer> droppedArrays) {
        Value joined = Value.join(current, incoming);
        if (widen && !joined.equals(current)) {
            joined = joined.forget();
        }
        noteDropped(current, joined, droppedArrays);
        noteDropped(incoming, joined, droppedArrays);
        return joined;
    }

    private static void noteDropped(Value before, Value after, Set<Integer> droppedArrays) {
        if (before.array() != null && (after.array() == null || after.array().id() != before.array().id())) {
            droppedArrays.add(before.array().id());
        }
    }

    @Override
    public String toString() {
        return "locals=" + Arrays.toString(locals) + " stack=" + Arrays.toString(Arrays.copyOf(stack, depth));
    }
}
