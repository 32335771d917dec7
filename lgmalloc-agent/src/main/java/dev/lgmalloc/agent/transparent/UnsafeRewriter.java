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
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Rewrites the {@code sun.misc.Unsafe} memory calls of one class file to {@code UnsafeMemory}, lgmalloc's
 * ownership-aware replacement: {@code invokevirtual sun/misc/Unsafe.allocateMemory(J)J} becomes
 * {@code invokestatic dev/lgmalloc/agent/runtime/UnsafeMemory.allocateMemory(Lsun/misc/Unsafe;J)J}, and likewise
 * {@code reallocateMemory(JJ)J} and {@code freeMemory(J)V}.
 *
 * <p>Both instructions are three bytes and take the same stack (the receiver becomes the first argument), so no
 * offset moves and no frame changes: the method's own {@code StackMapTable} is kept as it is, and no class
 * hierarchy is resolved while classes load. Every call is rewritten, frees and reallocs included, since an
 * ownership-aware free is always safe.
 */
public final class UnsafeRewriter {

    static final String UNSAFE = "sun/misc/Unsafe";
    private static final ClassDesc BRIDGE = ClassDesc.of("dev.lgmalloc.agent.runtime.UnsafeMemory");
    /** The replaced methods by name and descriptor, with the bridge's descriptor. */
    private static final Map<String, MethodTypeDesc> REPLACED = Map.of(
            "allocateMemory(J)J", MethodTypeDesc.ofDescriptor("(Lsun/misc/Unsafe;J)J"),
            "reallocateMemory(JJ)J", MethodTypeDesc.ofDescriptor("(Lsun/misc/Unsafe;JJ)J"),
            "freeMemory(J)V", MethodTypeDesc.ofDescriptor("(Lsun/misc/Unsafe;J)V"));
    private static final byte[] UNSAFE_UTF8 = UNSAFE.getBytes(StandardCharsets.US_ASCII);
    private static final ClassFile CLASS_FILE = ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS);

    private UnsafeRewriter() {
    }

    /** The class file with its Unsafe memory calls rewritten and how many there were, or null when it has none. */
    public record Rewritten(byte[] bytes, int sites) {
    }

    /**
     * Rewrites {@code classBytes}; null when it calls none of the replaced methods.
     *
     * @throws IllegalArgumentException (or another runtime exception of the ClassFile API) on malformed bytes
     */
    public static Rewritten rewrite(byte[] classBytes) {
        if (!mentionsUnsafe(classBytes)) {
            return null;          // most classes: no constant names the class, so no parse
        }
        ClassModel cm = CLASS_FILE.parse(classBytes);
        int[] sites = {0};
        byte[] out = CLASS_FILE.transformClass(cm, ClassTransform.transformingMethods(
                UnsafeRewriter::callsReplaced,
                (mb, me) -> {
                    if (me instanceof CodeModel code) {
                        mb.transformCode(code, new CallTransform(code, sites));
                    } else {
                        mb.with(me);
                    }
                }));
        return sites[0] == 0 ? null : new Rewritten(out, sites[0]);
    }

    /** Whether the class file holds the UTF-8 constant {@code sun/misc/Unsafe}: a raw scan, no parsing. */
    static boolean mentionsUnsafe(byte[] bytes) {
        outer:
        for (int i = 0, last = bytes.length - UNSAFE_UTF8.length; i <= last; i++) {
            for (int j = 0; j < UNSAFE_UTF8.length; j++) {
                if (bytes[i + j] != UNSAFE_UTF8[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean callsReplaced(MethodModel m) {
        return m.code().map(code -> code.elementStream().anyMatch(UnsafeRewriter::isReplaced)).orElse(false);
    }

    private static boolean isReplaced(CodeElement e) {
        return e instanceof InvokeInstruction inv && inv.opcode() == Opcode.INVOKEVIRTUAL
                && inv.owner().asInternalName().equals(UNSAFE)
                && REPLACED.containsKey(inv.name().stringValue() + inv.type().stringValue());
    }

    /** Replaces the calls of one method and keeps its stack map table as it was. */
    private record CallTransform(CodeModel original, int[] sites) implements CodeTransform {

        @Override
        public void accept(CodeBuilder cob, CodeElement e) {
            if (isReplaced(e)) {
                InvokeInstruction inv = (InvokeInstruction) e;
                String name = inv.name().stringValue();
                cob.invokestatic(BRIDGE, name, REPLACED.get(name + inv.type().stringValue()));
                sites[0]++;
            } else {
                cob.with(e);
            }
        }

        @Override
        public void atEnd(CodeBuilder cob) {
            original.findAttribute(Attributes.stackMapTable()).ifPresent(cob::with);
        }
    }
}
