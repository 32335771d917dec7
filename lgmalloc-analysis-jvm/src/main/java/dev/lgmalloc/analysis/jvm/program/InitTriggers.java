package dev.lgmalloc.analysis.jvm.program;

import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which program classes the initialisation of a class starts initialising directly (JVMS 5.5): its superclass and
 * superinterfaces, and the classes whose static fields, static methods or constructors its {@code <clinit>} names.
 * Classes that can start each other's initialisation form a cycle: then what one of them reads from another
 * depends on which was initialised first.
 *
 * <p>Code that {@code <clinit>} calls is not followed: a cycle closed only through a called method's body is not
 * seen (the reliability of static finals assigned in {@code <clinit>} stays below 1 for that).
 */
final class InitTriggers {

    /** Beyond this many classes reachable from one, its cycle is not computed (and nothing is known about it). */
    private static final int MAX_REACHABLE = 4096;

    private final ClassUniverse universe;
    private final Map<String, Starts> starts = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> cycles = new ConcurrentHashMap<>();

    /** What one class's initialisation starts: other classes, and the static fields it reads, as owner.name:type. */
    private record Starts(Set<String> classes, Set<String> fieldsRead) {
    }

    InitTriggers(ClassUniverse universe) {
        this.universe = universe;
    }

    /** The program class an access starts initialising: a static field's declaring class, else the named class. */
    String target(String owner, String fieldName, String fieldDescriptor) {
        if (fieldName == null) {
            return owner;
        }
        // No lambdas on this path (nor in startsOf and collect): the agent runs it in a cold JVM before main.
        Optional<ClassModel> declaring = StaticFieldOwners.declaringClass(universe, owner, fieldName, fieldDescriptor);
        return declaring.isPresent() ? declaring.get().thisClass().asInternalName() : owner;
    }

    /** The program classes other than {@code cls} whose initialisation {@code cls}'s starts directly. */
    Set<String> direct(String cls) {
        return startsOf(cls).classes();
    }

    /** The fields of {@code cls} that the initialisers of the cycle's other classes read, as name:type. */
    Set<String> fieldsReadByOthers(String cls, Set<String> cycle) {
        Set<String> out = new HashSet<>();
        String prefix = cls + ".";
        for (String other : cycle) {
            if (!other.equals(cls)) {
                startsOf(other).fieldsRead().stream().filter(f -> f.startsWith(prefix))
                        .forEach(f -> out.add(f.substring(prefix.length())));
            }
        }
        return out;
    }

    private Starts startsOf(String cls) {
        Starts cached = starts.get(cls);
        if (cached != null) {
            return cached;
        }
        Set<String> classes = new LinkedHashSet<>();
        Set<String> fieldsRead = new HashSet<>();
        Optional<ClassModel> cm = universe.programClass(cls);
        if (cm.isPresent()) {
            collect(cm.get(), classes, fieldsRead);
        }
        classes.remove(cls);
        for (Iterator<String> it = classes.iterator(); it.hasNext(); ) {
            if (universe.programClass(it.next()).isEmpty()) {
                it.remove();
            }
        }
        Starts result = new Starts(Set.copyOf(classes), Set.copyOf(fieldsRead));
        starts.putIfAbsent(cls, result);
        return result;
    }

    private void collect(ClassModel cm, Set<String> out, Set<String> fieldsRead) {
        try {
            if (cm.superclass().isPresent()) {
                out.add(cm.superclass().get().asInternalName());
            }
            for (ClassEntry i : cm.interfaces()) {
                out.add(i.asInternalName());
            }
            for (MethodModel m : cm.methods()) {
                if (!m.methodName().equalsString("<clinit>") || m.code().isEmpty()) {
                    continue;
                }
                for (CodeElement e : m.code().get()) {
                    if (e instanceof FieldInstruction fi
                            && (fi.opcode() == Opcode.GETSTATIC || fi.opcode() == Opcode.PUTSTATIC)) {
                        String declaring = target(fi.owner().asInternalName(), fi.name().stringValue(),
                                fi.type().stringValue());
                        out.add(declaring);
                        if (fi.opcode() == Opcode.GETSTATIC) {
                            fieldsRead.add(declaring + "." + fi.name().stringValue() + ":"
                                    + fi.type().stringValue());
                        }
                    } else if (e instanceof InvokeInstruction inv && inv.opcode() == Opcode.INVOKESTATIC) {
                        out.add(inv.owner().asInternalName());
                    } else if (e instanceof NewObjectInstruction n) {
                        out.add(n.className().asInternalName());
                    }
                }
            }
        } catch (RuntimeException malformed) {
            // A class the JVM cannot verify is never initialised: it starts nothing.
        }
    }

    /**
     * The classes in a cycle of initialisation with {@code cls} (each can start the other's, directly or through
     * others), {@code cls} included, sorted; just {@code cls} when it is in none; null when too many classes are
     * reachable from it to tell.
     */
    Set<String> cycleOf(String cls) {
        Set<String> cached = cycles.get(cls);
        if (cached != null) {
            return cached;
        }
        return new Components().from(cls) ? cycles.get(cls) : null;
    }

    /**
     * Tarjan's strongly connected components of the classes reachable from one, iteratively (chains of
     * initialisers can be long); every component found is recorded for all its classes. Classes whose component
     * is already known are complete and skipped.
     */
    private final class Components {
        private final Map<String, Integer> index = new HashMap<>();
        private final Map<String, Integer> low = new HashMap<>();
        private final Deque<String> stack = new ArrayDeque<>();
        private final Set<String> onStack = new HashSet<>();

        /** False when more than {@link #MAX_REACHABLE} classes were met: nothing is recorded then. */
        boolean from(String root) {
            Deque<String> path = new ArrayDeque<>();
            Deque<Iterator<String>> pending = new ArrayDeque<>();
            Map<String, Set<String>> found = new HashMap<>();
            visit(root, path, pending);
            while (!path.isEmpty()) {
                if (index.size() > MAX_REACHABLE) {
                    return false;
                }
                String v = path.peek();
                Iterator<String> next = pending.peek();
                if (next.hasNext()) {
                    String w = next.next();
                    if (cycles.containsKey(w)) {
                        continue; // its component is complete and cannot contain v
                    }
                    if (!index.containsKey(w)) {
                        visit(w, path, pending);
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                path.pop();
                pending.pop();
                if (!path.isEmpty()) {
                    String parent = path.peek();
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    Set<String> component = new TreeSet<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        component.add(w);
                    } while (!w.equals(v));
                    Set<String> frozen = Collections.unmodifiableSet(component);
                    for (String c : component) {
                        found.put(c, frozen);
                    }
                }
            }
            for (Map.Entry<String, Set<String>> e : found.entrySet()) {
                cycles.putIfAbsent(e.getKey(), e.getValue());
            }
            return true;
        }

        private void visit(String v, Deque<String> path, Deque<Iterator<String>> pending) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.push(v);
            onStack.add(v);
            path.push(v);
            pending.push(direct(v).iterator());
        }
    }
}
