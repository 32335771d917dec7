package dev.lgmalloc.analysis.jvm.interp;

import dev.lgmalloc.analysis.jvm.EntryPoints;
import java.lang.classfile.Instruction;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.ArrayLoadInstruction;
import java.lang.classfile.instruction.ArrayStoreInstruction;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ConvertInstruction;
import java.lang.classfile.instruction.DiscontinuedInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.MonitorInstruction;
import java.lang.classfile.instruction.NewMultiArrayInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.classfile.instruction.NewReferenceArrayInstruction;
import java.lang.classfile.instruction.NopInstruction;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StackInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** The effect of one instruction on a {@link Frame}: the interpreter's transfer function. */
final class Transfer {

    private final InterpreterContext context;
    private final String className;
    private final OwnStatics ownStatics; // non-null only inside <clinit>
    private final MethodObserver observer; // non-null only when replaying

    Transfer(InterpreterContext context, String className, OwnStatics ownStatics, MethodObserver observer) {
        this.context = context;
        this.className = className;
        this.ownStatics = ownStatics;
        this.observer = observer;
    }

    void execute(Frame f, Instruction insn, int bci, int line, int loopDepth) {
        if (observer != null && f.tracksStatics()) {
            reportInitialisationTrigger(f, insn);
        }
        switch (insn) {
            case LoadInstruction load -> f.push(ofKind(f.local(load.slot()), Kind.of(load.typeKind())));
            case StoreInstruction store -> f.setLocal(store.slot(), ofKind(f.pop(), Kind.of(store.typeKind())));
            case IncrementInstruction inc -> {
                Value v = ofKind(f.local(inc.slot()), Kind.INT);
                int delta = inc.constant();
                f.setLocal(inc.slot(), Arithmetic.map(Kind.INT, v, IntegralConversion.increment(delta)));
            }
            case ConstantInstruction c -> f.push(constant(c));
            case OperatorInstruction op -> operator(f, op);
            case ConvertInstruction conv -> f.push(Arithmetic.convert(conv.toType(), f.pop()));
            case StackInstruction s -> stack(f, s.opcode());
            case FieldInstruction fi -> field(f, fi);
            case InvokeInstruction inv -> invoke(f, inv, bci, line, loopDepth);
            case InvokeDynamicInstruction indy -> {
                MethodTypeDesc type = indy.typeSymbol();
                for (int i = type.parameterCount() - 1; i >= 0; i--) {
                    f.escape(f.pop());
                }
                pushResult(f, type.returnType(), null);
            }
            case NewObjectInstruction n -> f.push(Value.ref(n.className().asInternalName()));
            case NewPrimitiveArrayInstruction n -> {
                f.pop(Kind.INT);
                f.push(Value.ref("[" + n.typeKind().upperBound().descriptorString()));
            }
            case NewReferenceArrayInstruction n -> newReferenceArray(f, n, bci);
            case NewMultiArrayInstruction n -> {
                for (int i = 0; i < n.dimensions(); i++) {
                    f.pop(Kind.INT);
                }
                f.push(Value.ref(n.arrayType().asInternalName()));
            }
            case ArrayLoadInstruction load -> arrayLoad(f, load);
            case ArrayStoreInstruction store -> arrayStore(f, store);
            case BranchInstruction br -> branch(f, br.opcode());
            case TableSwitchInstruction ts -> f.pop(Kind.INT);
            case LookupSwitchInstruction ls -> f.pop(Kind.INT);
            case ReturnInstruction ret -> {
                if (ret.typeKind() != TypeKind.VOID) {
                    Value returned = f.pop();
                    if (observer != null) {
                        observer.valueReturn(returned);
                    }
                } else if (observer != null && f.tracksStatics()) {
                    Value[] statics = new Value[ownStatics.size()];
                    for (int i = 0; i < statics.length; i++) {
                        statics[i] = f.staticField(i);
                    }
                    observer.clinitReturn(statics);
                }
            }
            case ThrowInstruction t -> f.pop(Kind.REF);
            case TypeCheckInstruction tc -> {
                Value v = f.pop(Kind.REF);
                if (tc.opcode() == Opcode.CHECKCAST) {
                    f.push(castTo(v, tc.type().asInternalName()));
                } else {
                    f.push(Value.unknown(Kind.INT));
                }
            }
            case MonitorInstruction m -> f.pop(Kind.REF);
            case NopInstruction nop -> {
            }
            case DiscontinuedInstruction d -> throw new BadCodeException("jsr/ret subroutines are not supported");
        }
    }

    /** Tells the observer about an instruction that may initialise another class, with the own statics before it. */
    private void reportInitialisationTrigger(Frame f, Instruction insn) {
        String owner;
        String name = null;
        String descriptor = null;
        // instanceof tests, not a pattern switch: each pattern switch is a class a cold JVM spins on first use.
        if (insn instanceof FieldInstruction fi
                && (fi.opcode() == Opcode.GETSTATIC || fi.opcode() == Opcode.PUTSTATIC)) {
            owner = fi.owner().asInternalName();
            name = fi.name().stringValue();
            descriptor = fi.type().stringValue();
        } else if (insn instanceof InvokeInstruction inv && inv.opcode() == Opcode.INVOKESTATIC) {
            owner = inv.owner().asInternalName();
        } else if (insn instanceof NewObjectInstruction n) {
            owner = n.className().asInternalName();
        } else {
            return;
        }
        if (owner.equals(className)) {
            return;
        }
        Value[] statics = new Value[ownStatics.size()];
        for (int i = 0; i < statics.length; i++) {
            statics[i] = f.staticField(i);
        }
        observer.beforeInitialising(owner, name, descriptor, statics);
    }

    /** A value read as {@code kind}; a mismatch (only in malformed code) reads as unknown. */
    private static Value ofKind(Value v, Kind kind) {
        if (v.kind() == Kind.EMPTY) {
            return Value.unknown(kind); // a join of different kinds: the verifier proved the path types agree
        }
        if (v.kind() != kind) {
            throw new BadCodeException("expected " + kind + ", found " + v.kind());
        }
        return v;
    }

    private static Value constant(ConstantInstruction c) {
        Object value = c.constantValue();
        Kind kind = Kind.of(c.typeKind());
        if (value instanceof Integer i && kind == Kind.INT) {
            return Value.intConstant(i);
        } else if (value instanceof Long l && kind == Kind.LONG) {
            return Value.longConstant(l);
        } else if (value instanceof String) {
            return Value.ref("java/lang/String");
        } else if (value instanceof ClassDesc) {
            return Value.ref("java/lang/Class");
        }
        return kind == Kind.REF ? Value.ref(null) : Value.unknown(kind); // null, condy, floats, method handles
    }

    private static void operator(Frame f, OperatorInstruction op) {
        Opcode code = op.opcode();
        switch (code) {
            case ARRAYLENGTH -> {
                Value array = f.pop(Kind.REF);
                f.push(array.array() != null ? Value.intConstant(array.array().elements().size())
                        : Value.unknown(Kind.INT));
            }
            case INEG -> f.push(Arithmetic.map(Kind.INT, f.pop(Kind.INT), x -> -(int) x));
            case LNEG -> f.push(Arithmetic.map(Kind.LONG, f.pop(Kind.LONG), x -> -x));
            case FNEG, DNEG -> f.push(Value.unknown(f.pop().kind()));
            case FADD, FSUB, FMUL, FDIV, FREM, DADD, DSUB, DMUL, DDIV, DREM -> {
                f.pop();
                f.push(Value.unknown(f.pop().kind()));
            }
            case FCMPL, FCMPG, DCMPL, DCMPG -> {
                f.pop();
                f.pop();
                f.push(Value.unknown(Kind.INT));
            }
            default -> {
                Value b = f.pop();
                Value a = f.pop();
                if (!isIntegral(a) || !isIntegral(b)) {
                    throw new BadCodeException(code + " on non-integral operands");
                }
                f.push(Arithmetic.binary(code, a, b));
            }
        }
    }

    private static boolean isIntegral(Value v) {
        return v.kind() == Kind.INT || v.kind() == Kind.LONG;
    }

    // Stack shuffles work on slots: a long or double is one entry but two slots (JVMS 6.5 forms).
    private static void stack(Frame f, Opcode op) {
        switch (op) {
            case POP -> f.popSlots(1);
            case POP2 -> f.popSlots(2);
            case DUP -> {
                Value[] a = f.popSlots(1);
                f.pushAll(a);
                f.pushAll(a);
            }
            case DUP_X1 -> dupUnder(f, 1, 1);
            case DUP_X2 -> dupUnder(f, 1, 2);
            case DUP2 -> {
                Value[] a = f.popSlots(2);
                f.pushAll(a);
                f.pushAll(a);
            }
            case DUP2_X1 -> dupUnder(f, 2, 1);
            case DUP2_X2 -> dupUnder(f, 2, 2);
            case SWAP -> {
                Value[] a = f.popSlots(1);
                Value[] b = f.popSlots(1);
                f.pushAll(a);
                f.pushAll(b);
            }
            default -> throw new BadCodeException("unexpected stack instruction " + op);
        }
    }

    private static void dupUnder(Frame f, int topSlots, int underSlots) {
        Value[] top = f.popSlots(topSlots);
        Value[] under = f.popSlots(underSlots);
        f.pushAll(top);
        f.pushAll(under);
        f.pushAll(top);
    }

    private void field(Frame f, FieldInstruction fi) {
        String owner = fi.owner().asInternalName();
        String name = fi.name().stringValue();
        String desc = fi.type().stringValue();
        switch (fi.opcode()) {
            case GETSTATIC -> f.push(staticValue(f, owner, name, desc, fi.typeSymbol()));
            case PUTSTATIC -> {
                Value v = f.pop();
                int own = ownIndex(owner, name, desc);
                if (own >= 0) {
                    f.setStaticField(own, v);
                } else {
                    f.escape(v);
                }
            }
            case GETFIELD -> {
                f.pop(Kind.REF);
                f.push(MethodInterpreter.unknownOf(fi.typeSymbol()));
            }
            case PUTFIELD -> {
                f.escape(f.pop());
                f.pop(Kind.REF);
            }
            default -> throw new BadCodeException("unexpected field instruction " + fi.opcode());
        }
    }

    private Value staticValue(Frame f, String owner, String name, String desc, ClassDesc type) {
        int own = ownIndex(owner, name, desc);
        if (own >= 0) {
            return f.staticField(own);
        }
        Value layout = KnownMethods.valueLayoutConstant(owner, name);
        if (layout != null) {
            return layout;
        }
        Value known = context.staticField(owner, name, desc);
        Value unknown = MethodInterpreter.unknownOf(type);
        return known != null && known.kind() == unknown.kind() ? known : unknown;
    }

    private int ownIndex(String owner, String name, String desc) {
        return ownStatics != null && owner.equals(className) ? ownStatics.indexOf(name, desc) : -1;
    }

    private void invoke(Frame f, InvokeInstruction inv, int bci, int line, int loopDepth) {
        MethodTypeDesc type = inv.typeSymbol();
        boolean hasReceiver = inv.opcode() != Opcode.INVOKESTATIC;
        int count = type.parameterCount() + (hasReceiver ? 1 : 0);
        Value[] args = new Value[count];
        for (int i = type.parameterCount() - 1; i >= 0; i--) {
            args[i + (hasReceiver ? 1 : 0)] = f.pop();
        }
        if (hasReceiver) {
            args[0] = f.pop(Kind.REF);
        }
        if (observer != null) {
            observer.invoke(new InvokeEvent(inv, bci, line, loopDepth, Arrays.asList(args), true));
        }
        boolean known = KnownMethods.isKnown(inv);
        Value result = known ? KnownMethods.apply(inv, args) : null;
        if (!known && inv.opcode() == Opcode.INVOKESTATIC && count == 0) {
            // A getter such as jextract's layout(): what the method returns, when that is known.
            result = context.returnValue(inv.owner().asInternalName(), inv.name().stringValue(),
                    inv.type().stringValue());
        }
        if (!known) {
            for (Value a : args) {
                f.escape(a); // the callee may store into an array it is given
            }
            forgetStaticsCallsMayChange(f);
        }
        pushResult(f, type.returnType(), result);
    }

    private void forgetStaticsCallsMayChange(Frame f) {
        if (!f.tracksStatics()) {
            return;
        }
        for (int i = 0; i < ownStatics.size(); i++) {
            if (!ownStatics.unchangedByCalls(i)) {
                f.setStaticField(i, f.staticField(i).forget());
            }
        }
    }

    private static void pushResult(Frame f, ClassDesc returnType, Value result) {
        if (returnType.descriptorString().equals("V")) {
            return;
        }
        Value unknown = MethodInterpreter.unknownOf(returnType);
        f.push(result != null && result.kind() == unknown.kind() ? result : unknown);
    }

    private static void newReferenceArray(Frame f, NewReferenceArrayInstruction n, int bci) {
        Value count = f.pop(Kind.INT);
        String component = n.componentType().asInternalName();
        String type = "[" + (component.startsWith("[") ? component : "L" + component + ";");
        if (f.holdsArray(bci)) {
            // The same anewarray ran before (a loop): older references must not see the new array's contents.
            f.replaceArray(bci, null);
        }
        if (count.hasConstants() && count.constants().isSingle() && count.constants().single() >= 0
                && count.constants().single() <= TrackedArray.MAX_LENGTH) {
            int length = (int) count.constants().single();
            List<Value> nulls = new ArrayList<>(Collections.nCopies(length, Value.ref(null)));
            f.push(Value.array(new TrackedArray(bci, nulls), type, count.deps()));
        } else {
            f.push(Value.ref(type));
        }
    }

    private static void arrayLoad(Frame f, ArrayLoadInstruction load) {
        Value index = f.pop(Kind.INT);
        Value array = f.pop(Kind.REF);
        Kind kind = Kind.of(load.typeKind());
        if (kind == Kind.REF && array.array() != null && index.hasConstants() && index.constants().isSingle()) {
            long i = index.constants().single();
            if (i >= 0 && i < array.array().elements().size()) {
                f.push(array.array().elements().get((int) i));
                return;
            }
        }
        String type = array.refType() != null && array.refType().startsWith("[L")
                ? array.refType().substring(2, array.refType().length() - 1) : null;
        f.push(kind == Kind.REF ? Value.ref(type) : Value.unknown(kind));
    }

    private static void arrayStore(Frame f, ArrayStoreInstruction store) {
        Value value = f.pop();
        Value index = f.pop(Kind.INT);
        Value array = f.pop(Kind.REF);
        f.escape(value);
        TrackedArray tracked = array.array();
        if (tracked == null) {
            return;
        }
        if (index.hasConstants() && index.constants().isSingle() && index.constants().single() >= 0
                && index.constants().single() < tracked.elements().size()) {
            f.replaceArray(tracked.id(), tracked.with((int) index.constants().single(), value));
        } else {
            f.replaceArray(tracked.id(), null);
        }
    }

    private static void branch(Frame f, Opcode op) {
        switch (op) {
            case GOTO, GOTO_W -> {
            }
            case IFEQ, IFNE, IFLT, IFGE, IFGT, IFLE -> f.pop(Kind.INT);
            case IFNULL, IFNONNULL -> f.pop(Kind.REF);
            case IF_ICMPEQ, IF_ICMPNE, IF_ICMPLT, IF_ICMPGE, IF_ICMPGT, IF_ICMPLE -> {
                f.pop(Kind.INT);
                f.pop(Kind.INT);
            }
            case IF_ACMPEQ, IF_ACMPNE -> {
                f.pop(Kind.REF);
                f.pop(Kind.REF);
            }
            default -> throw new BadCodeException("unexpected branch " + op);
        }
    }

    /**
     * A checkcast result: typed as the cast type, unless the value is a known layout or array, or already
     * known to be one of lgmalloc's allocators (a more precise type than any cast to a supertype).
     */
    private static Value castTo(Value v, String type) {
        boolean keep = v.isKnown()
                || (v.refType() != null && EntryPoints.isLgmallocAllocatorType(v.refType()));
        if (keep) {
            return v;
        }
        java.lang.foreign.MemoryLayout byType = layoutOfCastType(type);
        return byType != null ? Value.layout(byType, CAST_LAYOUT_RELIABILITY, v.deps()) : v.withRefType(type);
    }

    /**
     * A value layout cast to one of its carrier-specific types: its size is the carrier's whatever the object,
     * which is how jextract's bindings get their C types ({@code (OfInt) Linker.nativeLinker().canonicalLayouts()
     * .get("int")}). Its alignment is assumed natural, as the platform's canonical layouts are; a program could
     * cast a {@code withByteAlignment} variant, which changes the padding of a struct built from it, not the size
     * of the value itself: hence slightly less than certain.
     */
    static final double CAST_LAYOUT_RELIABILITY = 1;

    private static java.lang.foreign.MemoryLayout layoutOfCastType(String type) {
        return switch (type) {
            case "java/lang/foreign/ValueLayout$OfBoolean" -> java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
            case "java/lang/foreign/ValueLayout$OfByte" -> java.lang.foreign.ValueLayout.JAVA_BYTE;
            case "java/lang/foreign/ValueLayout$OfChar" -> java.lang.foreign.ValueLayout.JAVA_CHAR;
            case "java/lang/foreign/ValueLayout$OfShort" -> java.lang.foreign.ValueLayout.JAVA_SHORT;
            case "java/lang/foreign/ValueLayout$OfInt" -> java.lang.foreign.ValueLayout.JAVA_INT;
            case "java/lang/foreign/ValueLayout$OfLong" -> java.lang.foreign.ValueLayout.JAVA_LONG;
            case "java/lang/foreign/ValueLayout$OfFloat" -> java.lang.foreign.ValueLayout.JAVA_FLOAT;
            case "java/lang/foreign/ValueLayout$OfDouble" -> java.lang.foreign.ValueLayout.JAVA_DOUBLE;
            case "java/lang/foreign/AddressLayout" -> java.lang.foreign.ValueLayout.ADDRESS;
            default -> null;
        };
    }
}
