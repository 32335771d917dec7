package dev.lgmalloc.analysis.jvm.program;

import dev.lgmalloc.analysis.jvm.interp.InvokeEvent;
import dev.lgmalloc.analysis.jvm.interp.MethodObserver;
import dev.lgmalloc.analysis.jvm.interp.OwnStatics;
import dev.lgmalloc.analysis.jvm.interp.Value;
import java.util.Set;

/**
 * What one interpretation of a {@code <clinit>} says about the class's own static fields: their values at its
 * returns, and the values other classes of its initialisation cycle can see while it runs (JVMS 5.5: a class
 * initialised by the current thread reads as it is, defaults included), joined over every point where it starts
 * initialising one of them.
 */
final class ClinitRun implements MethodObserver {

    private final InitTriggers triggers;
    private final Set<String> cycle;
    private final boolean[] readByCycle;
    private Value[] atReturns;
    private Value[] whileOthersRun;

    /**
     * @param cycle            the classes in an initialisation cycle with this one (itself included)
     * @param own              the class's tracked fields
     * @param readByCycle      those of them (name:type) the initialisers of the cycle's other classes read: only
     *                         they can be seen before they are assigned
     * @param initialIfEntered the fields' values before {@code <clinit>} runs, when the superclass or a
     *                         superinterface is in the cycle (its initialisation comes first); else null
     */
    ClinitRun(InitTriggers triggers, Set<String> cycle, OwnStatics own, Set<String> readByCycle,
              Value[] initialIfEntered) {
        this.triggers = triggers;
        this.cycle = cycle;
        this.readByCycle = new boolean[own.size()];
        for (int i = 0; i < own.size(); i++) {
            this.readByCycle[i] = readByCycle.contains(own.field(i));
        }
        this.whileOthersRun = initialIfEntered == null ? null : initialIfEntered.clone();
    }

    @Override
    public void invoke(InvokeEvent event) {
    }

    @Override
    public void beforeInitialising(String owner, String name, String descriptor, Value[] statics) {
        if (cycle.size() > 1 && cycle.contains(triggers.target(owner, name, descriptor))) {
            whileOthersRun = joinInto(whileOthersRun, statics);
        }
    }

    @Override
    public void clinitReturn(Value[] statics) {
        atReturns = joinInto(atReturns, statics);
    }

    /** Per field, its value once initialisation has finished; null when {@code <clinit>} never returns. */
    Value[] afterInit() {
        return atReturns;
    }

    /**
     * Per field, what the initialisers of the cycle's other classes may read: for the fields they read, the value
     * at the returns joined with those at every point where this one starts one of them; null when
     * {@code <clinit>} never returns (the class is never initialised).
     */
    Value[] duringInit() {
        if (atReturns == null || whileOthersRun == null) {
            return atReturns;
        }
        Value[] out = atReturns.clone();
        for (int i = 0; i < out.length; i++) {
            if (readByCycle[i]) {
                out[i] = Value.join(out[i], whileOthersRun[i]);
            }
        }
        return out;
    }

    private static Value[] joinInto(Value[] into, Value[] more) {
        if (into == null) {
            return more.clone();
        }
        for (int i = 0; i < into.length; i++) {
            into[i] = Value.join(into[i], more[i]);
        }
        return into;
    }
}
