package dev.lgmalloc.agent;

import dev.lgmalloc.agent.runtime.SiteRecorder;
import dev.lgmalloc.agent.transparent.TransparentRewriter;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.DynamicCallSiteDesc;
import java.lang.constant.MethodHandleDesc;
import java.lang.constant.MethodTypeDesc;

/**
 * Emits the {@code invokedynamic} that replaces a site in verification mode: same operands and result as the
 * original invoke (the receiver becomes the first argument), linked by {@link SiteRecorder#bootstrap} to a method
 * handle that records the requested size and then calls the original method, or the fast path when the site is
 * routed.
 */
final class SiteCalls {

    private static final ClassDesc RECORDER = ClassDesc.of(SiteRecorder.class.getName());
    private static final DirectMethodHandleDesc BOOTSTRAP = MethodHandleDesc.ofMethod(
            DirectMethodHandleDesc.Kind.STATIC, RECORDER, "bootstrap",
            MethodTypeDesc.of(ConstantDescs.CD_CallSite, ConstantDescs.CD_MethodHandles_Lookup,
                    ConstantDescs.CD_String, ConstantDescs.CD_MethodType, ConstantDescs.CD_MethodHandle,
                    ConstantDescs.CD_int, ConstantDescs.CD_int, ConstantDescs.CD_int, ConstantDescs.CD_int));

    private SiteCalls() {
    }

    /** Emits the recording call for {@code site}; {@code fast}: it takes the site's class fast path afterwards. */
    static void emit(CodeBuilder cob, InvokeInstruction inv, PlannedSite site, boolean fast) {
        ClassDesc owner = inv.owner().asSymbol();
        MethodTypeDesc type = inv.typeSymbol();
        DirectMethodHandleDesc.Kind kind;
        MethodTypeDesc siteType;
        if (inv.opcode() == Opcode.INVOKESTATIC) {
            kind = inv.isInterface() ? DirectMethodHandleDesc.Kind.INTERFACE_STATIC
                    : DirectMethodHandleDesc.Kind.STATIC;
            siteType = type;
        } else if (inv.opcode() == Opcode.INVOKEVIRTUAL || inv.opcode() == Opcode.INVOKEINTERFACE) {
            kind = inv.opcode() == Opcode.INVOKEINTERFACE ? DirectMethodHandleDesc.Kind.INTERFACE_VIRTUAL
                    : DirectMethodHandleDesc.Kind.VIRTUAL;
            siteType = type.insertParameterTypes(0, owner);
        } else {
            throw new RewriteException("cannot record an " + inv.opcode() + " call at " + site.describe());
        }
        DirectMethodHandleDesc callee = MethodHandleDesc.ofMethod(kind, owner, inv.name().stringValue(), type);
        int fastClass = fast ? site.sizeClass() : -1;
        // The receiver a transparent mode's static replacement takes first (the Unsafe) stands where it was.
        int receivers = inv.opcode() != Opcode.INVOKESTATIC || TransparentRewriter.isBridgeWithReceiver(inv) ? 1 : 0;
        cob.invokedynamic(DynamicCallSiteDesc.of(BOOTSTRAP, "site", siteType, callee, site.id(),
                site.entryPoint().sizeRule().ordinal(), fastClass, receivers));
    }
}
