package dev.lgmalloc.agent;

import dev.lgmalloc.agent.transparent.TransparentRewriter;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites the allocation sites of one class file.
 *
 * <p>Each rewrite replaces one invoke instruction by code with the same stack effect that adds no branch
 * target: {@code invokestatic LgMalloc.malloc(J)J} becomes {@code <push class index>; invokestatic
 * LgMalloc.mallocPredicted(JI)J}, and in verification mode an invoke becomes an {@code invokedynamic} of
 * {@link SiteCalls} with the same operands. Stack map frames are attached to labels, not offsets, and no frame's
 * types change, so the method's original {@code StackMapTable} stays valid and is re-added as is: no frame
 * generation, hence no class hierarchy resolution (which would need to load or parse other classes during
 * class loading).
 *
 * <p>Every planned site must be found at its bytecode index, calling the planned entry point; otherwise the
 * class is left alone ({@link RewriteException}).
 */
public final class SiteRewriter {

    /** What the rewriter does to each planned site. */
    public enum Mode {
        /** Rewrite the sites that have a fast path; leave the others. */
        ROUTE,
        /** Rewrite every site to record its size (and take the fast path when it has one). */
        VERIFY
    }

    private static final ClassFile CLASS_FILE = ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS);

    private SiteRewriter() {
    }

    /**
     * The rewritten class file, or null when no planned site needs rewriting in {@code mode}.
     *
     * @throws RewriteException       when a planned site is not where the plan says
     * @throws IllegalArgumentException (or another runtime exception of the ClassFile API) on malformed bytes
     */
    public static byte[] rewrite(byte[] classBytes, List<PlannedSite> sites, Mode mode) {
        Map<String, List<PlannedSite>> byMethod = new HashMap<>();
        for (PlannedSite s : sites) {
            if (mode == Mode.VERIFY || s.fastPath()) {
                byMethod.computeIfAbsent(s.location().methodName() + s.location().methodDescriptor(),
                        k -> new ArrayList<>()).add(s);
            }
        }
        if (byMethod.isEmpty()) {
            return null;
        }
        ClassModel cm = CLASS_FILE.parse(classBytes);
        String className = cm.thisClass().asInternalName();
        if (!className.equals(sites.getFirst().location().className())) {
            throw new RewriteException("class file is " + className + ", plan is for "
                    + sites.getFirst().location().className());
        }
        List<String> rewritten = new ArrayList<>();
        byte[] out = CLASS_FILE.transformClass(cm, ClassTransform.transformingMethods(
                m -> byMethod.containsKey(key(m)),
                (mb, me) -> {
                    if (me instanceof CodeModel code) {
                        MethodModel m = code.parent().orElseThrow();
                        mb.transformCode(code, new SiteTransform(code, byMethod.get(key(m)), mode));
                        rewritten.add(key(m));
                    } else {
                        mb.with(me);
                    }
                }));
        if (rewritten.size() != byMethod.size()) {
            List<String> missing = new ArrayList<>(byMethod.keySet());
            missing.removeAll(rewritten);
            throw new RewriteException("planned methods not found in " + className + ": " + missing);
        }
        return out;
    }

    private static String key(MethodModel m) {
        return m.methodName().stringValue() + m.methodType().stringValue();
    }

    /** Rewrites the planned invokes of one method, tracking bytecode indices; one instance per method. */
    private static final class SiteTransform implements CodeTransform {

        private final CodeModel original;
        private final boolean recording;
        private final Map<Integer, PlannedSite> byBci = new HashMap<>();
        private int bci;
        private int done;

        SiteTransform(CodeModel original, List<PlannedSite> sites, Mode mode) {
            this.original = original;
            this.recording = mode == Mode.VERIFY;
            for (PlannedSite s : sites) {
                byBci.put(s.location().bci(), s);
            }
        }

        @Override
        public void accept(CodeBuilder cob, CodeElement e) {
            if (!(e instanceof Instruction ins)) {
                cob.with(e); // labels, line numbers, local variables: kept, so frames and debug info still match
                return;
            }
            PlannedSite site = byBci.get(bci);
            bci += ins.sizeInBytes();
            if (site == null) {
                cob.with(e);
                return;
            }
            if (!(ins instanceof InvokeInstruction inv) || !matches(inv, site)) {
                throw new RewriteException("expected a call to " + site.entryPoint().callee() + " at "
                        + site.describe() + ", found " + ins);
            }
            done++;
            if (FastPaths.servedTransparently(site.entryPoint()) && !isBridged(inv, site)) {
                // Transparent mode left this call on the JDK (its family off, or its class excluded): it never
                // reaches lgmalloc, so no fast path; verification still records its sizes.
                if (recording) {
                    SiteCalls.emit(cob, inv, site, false);
                } else {
                    cob.with(e);
                }
            } else if (site.fastPath() && !recording) {
                FastPaths.Target target = FastPaths.of(site.entryPoint()).orElseThrow();
                cob.loadConstant(site.sizeClass());
                cob.invokestatic(target.owner(), target.name(), target.type());
            } else {
                SiteCalls.emit(cob, inv, site, site.fastPath());
            }
        }

        @Override
        public void atEnd(CodeBuilder cob) {
            if (done != byBci.size()) {
                throw new RewriteException("found " + done + " of " + byBci.size() + " planned sites in "
                        + byBci.values().iterator().next().describe());
            }
            original.findAttribute(Attributes.stackMapTable()).ifPresent(cob::with);
        }

        private static boolean matches(InvokeInstruction inv, PlannedSite site) {
            return inv.owner().asInternalName().equals(site.entryPoint().owner())
                    && inv.name().equalsString(site.entryPoint().name())
                    && inv.type().equalsString(site.entryPoint().descriptor())
                    || isBridged(inv, site);
        }

        /** The site's JDK call as transparent mode rewrote it, in place and of the same length. */
        private static boolean isBridged(InvokeInstruction inv, PlannedSite site) {
            return TransparentRewriter.isBridgeOf(inv, site.entryPoint().owner(), site.entryPoint().name(),
                    site.entryPoint().descriptor());
        }
    }
}
