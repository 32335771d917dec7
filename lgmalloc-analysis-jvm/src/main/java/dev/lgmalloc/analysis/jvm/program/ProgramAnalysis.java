package dev.lgmalloc.analysis.jvm.program;

import dev.lgmalloc.analysis.jvm.interp.BadCodeException;
import dev.lgmalloc.analysis.jvm.interp.InvokeEvent;
import dev.lgmalloc.analysis.jvm.interp.MethodInterpreter;
import dev.lgmalloc.analysis.jvm.interp.Value;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.MethodHandleEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Interprets the methods of a set of classes and propagates constant arguments into the parameters of
 * methods every caller of which the analysis sees (static, private, constructors, and final methods that
 * override nothing), merging all callers, over as many call levels as it takes to reach a fixpoint (bounded).
 *
 * <p>Every round starts from facts that are sound (initially: every parameter unknown), so stopping early
 * loses precision, never soundness. In whole-program mode, classes that call methods whose parameters
 * matter are pulled in from the rest of the program first (a constant-pool scan), so all callers are seen.
 */
public final class ProgramAnalysis {

    /** Finds further program classes that may call the given methods. */
    @FunctionalInterface
    public interface CallerDiscovery {
        /**
         * The program's classes, other than those in {@code analysed}, whose constant pool refers to one of
         * the methods, given as {@code name + descriptor} (any owner) or {@code owner.name + descriptor}.
         */
        List<ClassModel> classesReferencing(Set<String> methods, Set<String> analysed);
    }

    /** Rounds of parameter propagation: enough for call chains of this many levels. */
    static final int MAX_ROUNDS = 8;

    /** One analysed method. */
    record MethodInfo(ClassModel owner, MethodModel model, MethodKey key) {
    }

    private final ClassUniverse universe;
    private final StaticFieldFacts statics;
    private final CallerScope scope;
    private final Map<String, ClassModel> classes = new LinkedHashMap<>();
    private final Map<MethodKey, MethodInfo> methods = new LinkedHashMap<>();
    private final Map<MethodKey, MethodRun> runs = new HashMap<>();
    private final Map<MethodKey, Boolean> closed = new HashMap<>();
    private final Map<String, MethodKey> resolved = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    // Methods of discovered classes not yet interpreted, with the methods they invoke.
    private final Map<MethodInfo, Set<String>> pending = new LinkedHashMap<>();
    private Map<MethodKey, Value[]> facts = Map.of();

    /**
     * @param scope which callers the analysed classes (with discovery) include
     */
    public ProgramAnalysis(ClassUniverse universe, StaticFieldFacts statics, CallerScope scope) {
        this.universe = universe;
        this.statics = statics;
        this.scope = scope;
    }

    /** Analyses {@code initial} plus what {@code discovery} (may be null) adds, to a fixpoint. */
    public void run(Collection<ClassModel> initial, CallerDiscovery discovery) {
        // Loops rather than lambdas and streams in this class: the agent runs it in a cold JVM before main, where
        // each lambda is a class spun on first use.
        for (ClassModel cm : initial) {
            add(cm, true);
        }
        if (discovery != null) {
            while (true) {
                Set<String> wantedNames = new HashSet<>();
                for (MethodKey k : wanted()) {
                    wantedNames.add(lookupKey(k));
                }
                if (wantedNames.isEmpty()) {
                    break;
                }
                List<ClassModel> more = new ArrayList<>();
                for (ClassModel c : discovery.classesReferencing(wantedNames, classes.keySet())) {
                    if (!classes.containsKey(c.thisClass().asInternalName())) {
                        more.add(c);
                    }
                }
                for (ClassModel cm : more) {
                    add(cm, false);
                }
                boolean interpretedMore = interpretPendingCallers(wantedNames);
                if (more.isEmpty() && !interpretedMore) {
                    break;
                }
            }
        }
        propagate();
    }

    /**
     * Interprets the not yet interpreted methods that invoke one of the methods named: their arguments are
     * facts about those methods' parameters. Methods that call none of them cannot change any prediction.
     */
    private boolean interpretPendingCallers(Set<String> lookupKeys) {
        List<MethodInfo> due = new ArrayList<>();
        for (Map.Entry<MethodInfo, Set<String>> e : pending.entrySet()) {
            if (e.getValue() == null || !Collections.disjoint(e.getValue(), lookupKeys)) {
                due.add(e.getKey());
            }
        }
        for (MethodInfo info : due) {
            pending.remove(info);
        }
        for (MethodInfo info : due) {
            runs.put(info.key(), interpret(info, null));
        }
        return !due.isEmpty();
    }

    /**
     * How a discovery finds the callers of a method: constructors and private methods are always invoked
     * through their own class, other methods possibly through a subclass, so only name and type can be matched.
     */
    private String lookupKey(MethodKey k) {
        MethodInfo info = methods.get(k);
        boolean exactOwner = k.name().equals("<init>")
                || (info != null && info.model().flags().has(AccessFlag.PRIVATE));
        return exactOwner ? k.owner() + "." + k.nameAndType() : k.nameAndType();
    }

    /** The methods {@code m} invokes, in both lookup forms; null when its code cannot be read. */
    private static Set<String> invokedMethods(MethodModel m) {
        try {
            Set<String> out = new HashSet<>();
            if (m.code().isPresent()) {
                for (CodeElement e : m.code().get()) {
                    if (e instanceof InvokeInstruction inv) {
                        String nt = inv.name().stringValue() + inv.type().stringValue();
                        out.add(nt);
                        out.add(inv.owner().asInternalName() + "." + nt);
                    }
                }
            }
            return out;
        } catch (RuntimeException malformed) {
            return null; // interpreted when discovery next runs, which reports the problem
        }
    }

    /** The analysed classes' internal names, in the order they were added. */
    public Set<String> analysedClasses() {
        return classes.keySet();
    }

    /** The sites of class {@code className} as the final round predicts them. */
    public List<SiteFinding> sitesOf(String className) {
        ClassModel cm = classes.get(className);
        if (cm == null) {
            return List.of();
        }
        List<SiteFinding> out = new ArrayList<>();
        for (MethodModel m : cm.methods()) {
            MethodKey key = keyOf(cm, m);
            MethodRun run = runs.get(key);
            if (run == null) {
                continue;
            }
            for (MethodRun.SiteEvent s : run.sites()) {
                out.add(new SiteFinding(className, m, s.event(), s.entryPoint(), run.failure(),
                        isClosed(key), isOpen(key)));
            }
        }
        return out; // methods in class order; the replay visits each method's code in bytecode order
    }

    /** Problems met: methods that could not be interpreted. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Adds a class; its methods are interpreted now when {@code interpretAll}, else when they matter. */
    private void add(ClassModel cm, boolean interpretAll) {
        String name = cm.thisClass().asInternalName();
        if (classes.putIfAbsent(name, cm) != null) {
            return;
        }
        universe.define(cm);
        for (MethodModel m : cm.methods()) {
            MethodKey key = keyOf(cm, m);
            MethodInfo info = new MethodInfo(cm, m, key);
            methods.put(key, info);
            if (interpretAll) {
                runs.put(key, interpret(info, null));
            } else {
                pending.put(info, invokedMethods(m));
            }
        }
    }

    private static MethodKey keyOf(ClassModel cm, MethodModel m) {
        return new MethodKey(cm.thisClass().asInternalName(), m.methodName().stringValue(),
                m.methodType().stringValue());
    }

    private MethodRun interpret(MethodInfo info, Value[] parameters) {
        MethodRun run = new MethodRun();
        String cls = info.key().owner();
        boolean clinit = info.key().name().equals("<clinit>");
        try {
            new MethodInterpreter(clinit ? statics.clinitContext(cls) : statics.context()).interpret(cls,
                    info.model(), parameters,
                    clinit ? statics.ownStatics(info.owner()) : null, run);
        } catch (RuntimeException e) {
            // Malformed class files make the ClassFile API throw various unchecked exceptions lazily.
            String reason = e instanceof BadCodeException ? e.getMessage() : e.toString();
            List<MethodRun.SiteEvent> scanned;
            try {
                scanned = SiteScanner.scan(info.model());
            } catch (RuntimeException again) {
                scanned = List.of();
            }
            run.fail(reason, scanned);
            warnings.add(info.key() + ": not interpreted: " + reason);
        }
        return run;
    }

    // ---- which parameters matter ----

    /** Closed methods whose parameters reach a site's size, directly or through other such methods. */
    private Set<MethodKey> wanted() {
        Set<MethodKey> wanted = new HashSet<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<MethodKey, MethodRun> e : runs.entrySet()) {
                MethodKey key = e.getKey();
                if (wanted.contains(key) || !hasParameters(key) || !isClosed(key) || isOpen(key)) {
                    continue;
                }
                if (feedsSites(e.getValue(), wanted)) {
                    wanted.add(key);
                    changed = true;
                }
            }
        }
        return wanted;
    }

    private boolean feedsSites(MethodRun run, Set<MethodKey> wanted) {
        for (MethodRun.SiteEvent s : run.sites()) {
            if (SiteSizes.sizeOf(s.event(), s.entryPoint()).deps() != 0) {
                return true;
            }
        }
        for (InvokeEvent call : run.calls()) {
            MethodKey target = resolve(call);
            if (target != null && wanted.contains(target) && anyDependsOnParameters(call.arguments())) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasParameters(MethodKey key) {
        return !key.descriptor().startsWith("()");
    }

    // ---- rounds ----

    private void propagate() {
        Set<MethodKey> wanted = wanted();
        if (wanted.isEmpty()) {
            return;
        }
        Set<String> escaped = escapedNames();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Map<MethodKey, Value[]> next = callerFacts(wanted, escaped);
            Set<MethodKey> changed = new HashSet<>();
            for (MethodKey k : union(next.keySet(), facts.keySet())) {
                if (!Arrays.equals(next.get(k), facts.get(k))) {
                    changed.add(k);
                }
            }
            facts = next;
            if (changed.isEmpty()) {
                return;
            }
            for (MethodKey k : changed) {
                runs.put(k, interpret(methods.get(k), facts.get(k)));
            }
        }
    }

    private static Set<MethodKey> union(Set<MethodKey> a, Set<MethodKey> b) {
        Set<MethodKey> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }

    /** Per wanted method, the join of the arguments of all its (reachable) calls, discounted for unseen callers. */
    private Map<MethodKey, Value[]> callerFacts(Set<MethodKey> wanted, Set<String> escaped) {
        Map<MethodKey, Value[]> joined = new HashMap<>();
        for (MethodRun run : runs.values()) {
            for (InvokeEvent call : run.calls()) {
                MethodKey target = resolve(call);
                if (target == null || !wanted.contains(target) || escaped.contains(target.nameAndType())) {
                    continue;
                }
                int receiver = call.instruction().opcode() == Opcode.INVOKESTATIC ? 0 : 1;
                List<Value> args = call.arguments();
                Value[] params = new Value[args.size() - receiver];
                for (int i = 0; i < params.length; i++) {
                    params[i] = args.get(i + receiver).independent();
                }
                Value[] before = joined.get(target);
                joined.put(target, before == null ? params : joinAll(before, params));
            }
        }
        Map<MethodKey, Value[]> out = new HashMap<>();
        for (Map.Entry<MethodKey, Value[]> e : joined.entrySet()) {
            MethodKey key = e.getKey();
            Value[] params = e.getValue();
            double discount = scope.callerReliability(methods.get(key).model());
            Value[] discounted = new Value[params.length];
            for (int i = 0; i < params.length; i++) {
                discounted[i] = params[i].isKnown()
                        ? params[i].withReliability(params[i].reliability() * discount) : params[i];
            }
            out.put(key, discounted);
        }
        return out;
    }

    private static Value[] joinAll(Value[] a, Value[] b) {
        Value[] out = new Value[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Value.join(a[i], b[i]);
        }
        return out;
    }

    /** Methods (by name and descriptor) that a method handle refers to: they have callers the analysis cannot see. */
    private Set<String> escapedNames() {
        Set<String> out = new HashSet<>();
        for (ClassModel cm : classes.values()) {
            try {
                for (PoolEntry e : cm.constantPool()) {
                    if (e instanceof MethodHandleEntry mh) {
                        out.add(mh.reference().name().stringValue() + mh.reference().type().stringValue());
                    }
                }
            } catch (RuntimeException malformed) {
                // A pool we cannot read may hold handles to anything: trust no caller facts at all.
                for (MethodKey k : methods.keySet()) {
                    out.add(k.nameAndType());
                }
            }
        }
        return out;
    }

    // ---- call resolution and closed methods ----

    /** The analysed method a call reaches, or null when it is not one or cannot be resolved statically. */
    private MethodKey resolve(InvokeEvent call) {
        String cacheKey = call.instruction().opcode() + " " + call.owner() + "." + call.name() + call.descriptor();
        if (resolved.containsKey(cacheKey)) {
            return resolved.get(cacheKey);
        }
        MethodKey found = findDeclaration(call.owner(), call.name(), call.descriptor(), 0);
        MethodKey result = found != null && methods.containsKey(found) ? found : null;
        resolved.put(cacheKey, result);
        return result;
    }

    // Method resolution (JVMS 5.4.3.3) restricted to the program's classes: the class, then its superclasses.
    private MethodKey findDeclaration(String owner, String name, String descriptor, int depth) {
        if (depth > 64) {
            return null;
        }
        ClassModel cm = classes.get(owner);
        if (cm == null) {
            cm = universe.programClass(owner).orElse(null);
        }
        if (cm == null) {
            return null;
        }
        for (MethodModel m : cm.methods()) {
            if (m.methodName().equalsString(name) && m.methodType().equalsString(descriptor)) {
                return keyOf(cm, m);
            }
        }
        if (name.equals("<init>")) {
            return null;
        }
        return cm.superclass().isPresent()
                ? findDeclaration(cm.superclass().get().asInternalName(), name, descriptor, depth + 1) : null;
    }

    /** Whether code outside the analysed classes may call the method (a library's public entry point). */
    private boolean isOpen(MethodKey key) {
        MethodInfo info = methods.get(key);
        return info != null && scope.isOpen(info.model());
    }

    /** Whether every call of the method names it, so that the calls the analysis sees can be all of them. */
    boolean isClosed(MethodKey key) {
        Boolean cached = closed.get(key);
        if (cached != null) {
            return cached;
        }
        MethodInfo info = methods.get(key);
        boolean result;
        if (info == null || key.name().equals("<clinit>")) {
            result = false;
        } else if (key.name().equals("<init>") || info.model().flags().has(AccessFlag.STATIC)
                || info.model().flags().has(AccessFlag.PRIVATE)) {
            result = true;
        } else if (info.model().flags().has(AccessFlag.FINAL) || info.owner().flags().has(AccessFlag.FINAL)) {
            // A final method that implements or overrides another is also reached through that one's calls.
            result = !overridesAnything(info.owner(), key.name(), key.descriptor());
        } else {
            result = false;
        }
        closed.put(key, result);
        return result;
    }

    private boolean overridesAnything(ClassModel cm, String name, String descriptor) {
        List<String> supertypes = new ArrayList<>();
        addSupertypes(cm, supertypes);
        Set<String> seen = new HashSet<>();
        while (!supertypes.isEmpty()) {
            String type = supertypes.removeLast();
            if (!seen.add(type) || seen.size() > 256) {
                continue;
            }
            ClassModel st = universe.anyClass(type).orElse(null);
            if (st == null) {
                return true; // cannot tell: assume it does
            }
            for (MethodModel m : st.methods()) {
                if (m.methodName().equalsString(name) && m.methodType().equalsString(descriptor)
                        && !m.flags().has(AccessFlag.PRIVATE) && !m.flags().has(AccessFlag.STATIC)) {
                    return true;
                }
            }
            addSupertypes(st, supertypes);
        }
        return false;
    }

    private static void addSupertypes(ClassModel cm, List<String> out) {
        if (cm.superclass().isPresent()) {
            out.add(cm.superclass().get().asInternalName());
        }
        for (ClassEntry i : cm.interfaces()) {
            out.add(i.asInternalName());
        }
    }

    private static boolean anyDependsOnParameters(List<Value> values) {
        for (Value v : values) {
            if (v.deps() != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * A site with what the analysis knows about its method.
     *
     * @param methodClosed whether every call of the method names it (see {@link #isClosed})
     * @param methodOpen   whether code outside the analysed classes may call it (a library's public entry point)
     */
    public record SiteFinding(String className, MethodModel method, InvokeEvent event,
                              dev.lgmalloc.analysis.jvm.EntryPoint entryPoint, String failure,
                              boolean methodClosed, boolean methodOpen) {
        public SiteFinding {
            Objects.requireNonNull(event, "event");
        }
    }
}
