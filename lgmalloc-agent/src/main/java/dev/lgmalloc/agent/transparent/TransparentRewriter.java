package dev.lgmalloc.agent.transparent;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.MethodHandleEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDesc;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.DynamicCallSiteDesc;
import java.lang.constant.MethodHandleDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandleInfo;
import java.util.HashSet;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites the JDK allocation calls of one class file to lgmalloc's replacements (transparent mode), one
 * {@link Family} at a time:
 *
 * <ul>
 *   <li>{@link Family#UNSAFE}: {@code invokevirtual sun/misc/Unsafe.allocateMemory(J)J} becomes
 *       {@code invokestatic UnsafeMemory.allocateMemory(Lsun/misc/Unsafe;J)J}, likewise {@code reallocateMemory} and
 *       {@code freeMemory} (the receiver becomes the first argument);</li>
 *   <li>{@link Family#ARENA}: {@code invokestatic java/lang/foreign/Arena.ofConfined()} and {@code ofShared()}
 *       become {@code invokestatic TransparentArenas.ofConfined()} and {@code ofShared()}, which return lgmalloc
 *       arenas with the JDK arenas' contract;</li>
 *   <li>{@link Family#DIRECT}: {@code invokestatic java/nio/ByteBuffer.allocateDirect(I)} becomes
 *       {@code invokestatic DirectBuffers.allocateDirect(I)}, and {@code Unsafe.invokeCleaner(ByteBuffer)}, with
 *       which libraries free direct buffers early, {@code DirectBuffers.invokeCleaner(Unsafe, ByteBuffer)}.</li>
 * </ul>
 *
 * <p>Each replacement is one instruction of the same length taking the same stack and leaving the same type, so
 * no offset moves and no frame changes: the method's own {@code StackMapTable} is kept as it is, and no class
 * hierarchy is resolved while classes load.
 *
 * <p>A method reference to one of these methods ({@code unsafe::freeMemory}, {@code Arena::ofConfined}) is a method
 * handle constant, not a call: in an {@code invokedynamic}'s bootstrap arguments or an {@code ldc}, it is pointed
 * at the same replacement, so a lambda frees what the class's calls allocate. A class that holds such a handle
 * anywhere else (inside a dynamic constant) is not understood, and is left unchanged whole: its calls and its
 * handles then all stay the JDK's, and never mix.
 */
public final class TransparentRewriter {

    /** A family of JDK allocation APIs, turned on and off together. */
    public enum Family {
        /** {@code sun.misc.Unsafe} allocateMemory, reallocateMemory, freeMemory. */
        UNSAFE("sun/misc/Unsafe"),
        /** {@code Arena.ofConfined()} and {@code Arena.ofShared()}. */
        ARENA("java/lang/foreign/Arena"),
        /** {@code ByteBuffer.allocateDirect(int)} and {@code Unsafe.invokeCleaner(ByteBuffer)}. */
        DIRECT("java/nio/ByteBuffer");

        /** A name every class with a call of this family holds as a constant: the raw scan looks for it. */
        final byte[] marker;

        Family(String marker) {
            this.marker = marker.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * One replaced call: the JDK method (opcode, owner, name and descriptor) and its replacement. A {@code release}
     * call only frees or resizes what it is given, sending memory lgmalloc does not own to the original method, so
     * it is rewritten even in classes excluded from allocation rewriting.
     */
    private record Replacement(Family family, Opcode opcode, String owner, String name, String descriptor,
                               ClassDesc bridge, MethodTypeDesc bridgeType, boolean release) {

        Replacement(Family family, Opcode opcode, String owner, String name, String descriptor, ClassDesc bridge,
                    MethodTypeDesc bridgeType) {
            this(family, opcode, owner, name, descriptor, bridge, bridgeType,
                    name.equals("freeMemory") || name.equals("reallocateMemory") || name.equals("invokeCleaner"));
        }
    }

    private static final ClassDesc UNSAFE_MEMORY = ClassDesc.of("dev.lgmalloc.agent.runtime.UnsafeMemory");
    private static final ClassDesc ARENAS = ClassDesc.of("dev.lgmalloc.agent.runtime.TransparentArenas");
    private static final ClassDesc BUFFERS = ClassDesc.of("dev.lgmalloc.agent.runtime.DirectBuffers");
    private static final List<Replacement> REPLACEMENTS = List.of(
            new Replacement(Family.UNSAFE, Opcode.INVOKEVIRTUAL, "sun/misc/Unsafe", "allocateMemory", "(J)J",
                    UNSAFE_MEMORY, MethodTypeDesc.ofDescriptor("(Lsun/misc/Unsafe;J)J")),
            new Replacement(Family.UNSAFE, Opcode.INVOKEVIRTUAL, "sun/misc/Unsafe", "reallocateMemory", "(JJ)J",
                    UNSAFE_MEMORY, MethodTypeDesc.ofDescriptor("(Lsun/misc/Unsafe;JJ)J")),
            new Replacement(Family.UNSAFE, Opcode.INVOKEVIRTUAL, "sun/misc/Unsafe", "freeMemory", "(J)V", UNSAFE_MEMORY,
                    MethodTypeDesc.ofDescriptor("(Lsun/misc/Unsafe;J)V")),
            new Replacement(Family.ARENA, Opcode.INVOKESTATIC, "java/lang/foreign/Arena", "ofConfined",
                    "()Ljava/lang/foreign/Arena;", ARENAS, MethodTypeDesc.ofDescriptor("()Ljava/lang/foreign/Arena;")),
            new Replacement(Family.ARENA, Opcode.INVOKESTATIC, "java/lang/foreign/Arena", "ofShared",
                    "()Ljava/lang/foreign/Arena;", ARENAS, MethodTypeDesc.ofDescriptor("()Ljava/lang/foreign/Arena;")),
            new Replacement(Family.DIRECT, Opcode.INVOKESTATIC, "java/nio/ByteBuffer", "allocateDirect",
                    "(I)Ljava/nio/ByteBuffer;", BUFFERS, MethodTypeDesc.ofDescriptor("(I)Ljava/nio/ByteBuffer;")),
            new Replacement(Family.DIRECT, Opcode.INVOKEVIRTUAL, "sun/misc/Unsafe", "invokeCleaner",
                    "(Ljava/nio/ByteBuffer;)V", BUFFERS,
                    MethodTypeDesc.ofDescriptor("(Lsun/misc/Unsafe;Ljava/nio/ByteBuffer;)V")));
    private static final ClassFile CLASS_FILE = ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS);

    private TransparentRewriter() {
    }

    /**
     * The class file with its calls rewritten and how many there were per family, or null when it has none.
     *
     * @param bytes  the new class file
     * @param counts rewritten calls per family, only families with at least one
     */
    public record Rewritten(byte[] bytes, Map<Family, Integer> counts) {

        /** All rewritten calls. */
        public int sites() {
            return counts.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /**
     * Rewrites the calls of {@code families} in {@code classBytes}; null when there are none.
     *
     * @throws IllegalArgumentException (or another runtime exception of the ClassFile API) on malformed bytes
     */
    public static Rewritten rewrite(byte[] classBytes, Set<Family> families) {
        return rewrite(classBytes, families, false);
    }

    /**
     * Rewrites the calls of {@code families} in {@code classBytes}, only the frees and reallocs when
     * {@code releaseOnly} (a class excluded from allocation rewriting); null when there are none.
     */
    public static Rewritten rewrite(byte[] classBytes, Set<Family> families, boolean releaseOnly) {
        if (!mentionsAny(classBytes, families)) {
            return null;          // most classes: no constant names an owner, so no parse
        }
        ClassModel cm = CLASS_FILE.parse(classBytes);
        Map<Family, Integer> counts = new EnumMap<>(Family.class);
        Set<Integer> handlesSeen = new HashSet<>();
        byte[] out = CLASS_FILE.transformClass(cm, ClassTransform.transformingMethods(
                m -> callsReplaced(m, families, releaseOnly),
                (mb, me) -> {
                    if (me instanceof CodeModel code) {
                        mb.transformCode(code, new CallTransform(code, families, releaseOnly, counts, handlesSeen));
                    } else {
                        mb.with(me);
                    }
                }));
        for (PoolEntry entry : cm.constantPool()) {
            if (entry instanceof MethodHandleEntry h && replacementOf(h, families, releaseOnly) != null
                    && !handlesSeen.contains(h.index())) {
                throw new IllegalStateException("it holds a method handle to " + h.reference().owner().asInternalName()
                        + "." + h.reference().name().stringValue() + " outside any call or ldc the rewriter reaches");
            }
        }
        return counts.isEmpty() ? null : new Rewritten(out, counts);
    }

    /** Runs for every class that loads: a plain loop, no stream or lambda per class. */
    private static boolean mentionsAny(byte[] bytes, Set<Family> families) {
        for (Family f : families) {
            if (mentions(bytes, f.marker)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the class file holds {@code utf8} among its bytes (as a constant): a raw scan, no parsing. */
    static boolean mentions(byte[] bytes, byte[] utf8) {
        outer:
        for (int i = 0, last = bytes.length - utf8.length; i <= last; i++) {
            for (int j = 0; j < utf8.length; j++) {
                if (bytes[i + j] != utf8[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean callsReplaced(MethodModel m, Set<Family> families, boolean releaseOnly) {
        return m.code().map(code -> code.elementStream()
                .anyMatch(e -> replacementOf(e, families, releaseOnly) != null)).orElse(false);
    }

    private static Replacement replacementOf(CodeElement e, Set<Family> families, boolean releaseOnly) {
        if (e instanceof InvokeInstruction inv) {
            return replacementOf(inv.opcode(), inv.method(), families, releaseOnly);
        }
        if (e instanceof ConstantInstruction.LoadConstantInstruction ldc
                && ldc.constantEntry() instanceof MethodHandleEntry h) {
            return replacementOf(h, families, releaseOnly);
        }
        if (e instanceof InvokeDynamicInstruction indy) {
            for (var arg : indy.invokedynamic().bootstrap().arguments()) {
                Replacement r = arg instanceof MethodHandleEntry h ? replacementOf(h, families, releaseOnly) : null;
                if (r != null) {
                    return r;
                }
            }
        }
        return null;
    }

    /** The replacement of what a method handle constant refers to: a virtual or static method of a family. */
    private static Replacement replacementOf(MethodHandleEntry h, Set<Family> families, boolean releaseOnly) {
        Opcode opcode = switch (h.kind()) {
            case MethodHandleInfo.REF_invokeVirtual -> Opcode.INVOKEVIRTUAL;
            case MethodHandleInfo.REF_invokeStatic -> Opcode.INVOKESTATIC;
            default -> null;
        };
        return opcode == null ? null : replacementOf(opcode, h.reference(), families, releaseOnly);
    }

    private static Replacement replacementOf(Opcode opcode, MemberRefEntry method, Set<Family> families,
                                             boolean releaseOnly) {
        for (Replacement r : REPLACEMENTS) {
            if (opcode == r.opcode() && families.contains(r.family()) && (r.release() || !releaseOnly)
                    && method.owner().asInternalName().equals(r.owner()) && method.name().equalsString(r.name())
                    && method.type().equalsString(r.descriptor())) {
                return r;
            }
        }
        return null;
    }

    /**
     * Whether {@code inv} is transparent mode's replacement of a call to {@code owner.name descriptor} (internal
     * names): what a class's call to that JDK method looks like after this rewriter ran on it.
     */
    public static boolean isBridgeOf(InvokeInstruction inv, String owner, String name, String descriptor) {
        if (inv.opcode() != Opcode.INVOKESTATIC) {
            return false;
        }
        for (Replacement r : REPLACEMENTS) {
            if (r.owner().equals(owner) && r.name().equals(name) && r.descriptor().equals(descriptor)) {
                return inv.owner().asSymbol().equals(r.bridge()) && inv.name().equalsString(r.name())
                        && inv.typeSymbol().equals(r.bridgeType());
            }
        }
        return false;
    }

    /** Whether {@code inv} is a replacement that takes the original call's receiver as its first argument. */
    public static boolean isBridgeWithReceiver(InvokeInstruction inv) {
        for (Replacement r : REPLACEMENTS) {
            if (r.opcode() != Opcode.INVOKESTATIC && inv.opcode() == Opcode.INVOKESTATIC
                    && inv.owner().asSymbol().equals(r.bridge()) && inv.name().equalsString(r.name())
                    && inv.typeSymbol().equals(r.bridgeType())) {
                return true;
            }
        }
        return false;
    }

    /** The bridge as a method handle constant: a static method taking the receiver, if any, first. */
    private static DirectMethodHandleDesc handleOf(Replacement r) {
        return MethodHandleDesc.ofMethod(DirectMethodHandleDesc.Kind.STATIC, r.bridge(), r.name(), r.bridgeType());
    }

    /** Replaces the calls of one method and keeps its stack map table as it was. */
    private record CallTransform(CodeModel original, Set<Family> families, boolean releaseOnly,
                                 Map<Family, Integer> counts, Set<Integer> handlesSeen) implements CodeTransform {

        @Override
        public void accept(CodeBuilder cob, CodeElement e) {
            Replacement r = replacementOf(e, families, releaseOnly);
            if (r == null) {
                cob.with(e);
            } else if (e instanceof InvokeInstruction) {
                cob.invokestatic(r.bridge(), r.name(), r.bridgeType());
                counts.merge(r.family(), 1, Integer::sum);
            } else if (e instanceof ConstantInstruction.LoadConstantInstruction ldc) {
                handlesSeen.add(ldc.constantEntry().index());
                cob.loadConstant(handleOf(r));
                counts.merge(r.family(), 1, Integer::sum);
            } else {
                cob.invokedynamic(withHandlesReplaced((InvokeDynamicInstruction) e));
            }
        }

        /** The same call site with every bootstrap argument that is a handle to a replaced method pointed at its bridge. */
        private DynamicCallSiteDesc withHandlesReplaced(InvokeDynamicInstruction indy) {
            var entries = indy.invokedynamic().bootstrap().arguments();
            ConstantDesc[] args = new ConstantDesc[entries.size()];
            for (int i = 0; i < args.length; i++) {
                var entry = entries.get(i);
                Replacement r = entry instanceof MethodHandleEntry h ? replacementOf(h, families, releaseOnly) : null;
                if (r != null) {
                    handlesSeen.add(entry.index());
                    args[i] = handleOf(r);
                    counts.merge(r.family(), 1, Integer::sum);
                } else {
                    args[i] = entry.constantValue();
                }
            }
            return DynamicCallSiteDesc.of(indy.bootstrapMethod(), indy.name().stringValue(), indy.typeSymbol(), args);
        }

        @Override
        public void atEnd(CodeBuilder cob) {
            original.findAttribute(Attributes.stackMapTable()).ifPresent(cob::with);
        }
    }
}
