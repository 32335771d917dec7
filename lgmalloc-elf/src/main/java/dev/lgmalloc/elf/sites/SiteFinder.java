package dev.lgmalloc.elf.sites;

import dev.lgmalloc.analysis.AllocationSite;
import dev.lgmalloc.analysis.ElfSiteLocation;
import dev.lgmalloc.analysis.SizeSet;
import dev.lgmalloc.elf.dataflow.ConstantPropagation;
import dev.lgmalloc.elf.dataflow.FunctionCfg;
import dev.lgmalloc.elf.dataflow.SizeExpression;
import dev.lgmalloc.elf.dataflow.SizeExpression.Derived;
import dev.lgmalloc.elf.dataflow.SizeExpression.Evaluation;
import dev.lgmalloc.elf.dataflow.SizeExpression.Known;
import dev.lgmalloc.elf.dataflow.SizeExpression.Unknown;
import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.program.CallResolver;
import dev.lgmalloc.elf.program.Callee;
import dev.lgmalloc.elf.program.FunctionParts;
import dev.lgmalloc.elf.program.NoReturnCalls;
import dev.lgmalloc.elf.program.OwnNoReturnFunctions;
import dev.lgmalloc.elf.program.Functions;
import dev.lgmalloc.elf.isa.CallingConvention;
import dev.lgmalloc.elf.isa.Instruction;
import dev.lgmalloc.elf.isa.InstructionSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongConsumer;

/**
 * Finds allocation sites: one linear sweep records who calls whom; then the functions that call an allocation
 * entry point get a dataflow analysis, which predicts each site's size and reveals wrappers (functions whose
 * argument reaches an allocator unchanged, or that tail-call one). Wrappers become entry points and their
 * callers are analysed in turn, for wrappers of wrappers.
 */
public final class SiteFinder {

    /** Wrapper levels explored; each level re-analyses only the callers of the new wrappers. */
    private static final int MAX_ROUNDS = 6;
    /** Reliability of a prediction made through a wrapper, which another library could interpose. */
    private static final double WRAPPED_RELIABILITY = 0.95;

    /** One call of an entry point seen by the dataflow. */
    record Observation(long address, int length, boolean tail, EntryPoint entry, Evaluation evaluation,
                       int loopDepth) {
    }

    private final ElfFile elf;
    private final InstructionSet isa;
    private final CallingConvention convention;
    private final AllocatorCatalog allocators;
    private final Functions functions;
    private final CallResolver resolver;
    private final Map<String, IntList> importCallers = new HashMap<>();
    private final Map<Integer, IntList> localCallers = new HashMap<>();
    /** The direct jumps and calls between functions, for {@link #parts}. */
    private final FunctionParts.Links links;
    /** Which functions are pieces ({@code .cold} parts) of others, analysed with them as one. */
    private FunctionParts parts;
    /** Calls that never return: the runtime's by name, then also the binary's own once the sweep found them. */
    private NoReturnCalls noReturn;
    private final OwnNoReturnFunctions.Exits exits;
    private final Map<Integer, EntryPoint> localEntries = new HashMap<>();
    /** {@code _M_create}'s entry point when the program's own {@code operator new} receives its calls, else null. */
    private EntryPoint stringCreate;
    private final Map<Integer, List<Observation>> observations = new TreeMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final ClobberSummaries clobbers;
    private long instructions;
    private long undecodable;
    private long wrappersWithFallback;
    private BitSet ownNoReturn = new BitSet();

    public SiteFinder(ElfFile elf, InstructionSet isa, Functions functions, CallResolver resolver) {
        this.elf = elf;
        this.isa = isa;
        this.convention = isa.callingConvention();
        this.allocators = AllocatorCatalog.of(convention);
        this.functions = functions;
        this.resolver = resolver;
        this.clobbers = new ClobberSummaries(elf, isa, functions, resolver);
        this.links = new FunctionParts.Links(functions);
        this.noReturn = new NoReturnCalls(resolver, functions);
        this.exits = new OwnNoReturnFunctions.Exits(functions, resolver, noReturn);
    }

    /** Runs the whole analysis and returns the sites in address order. */
    public List<AllocationSite> find() {
        sweep();
        parts = FunctionParts.decide(elf, links);
        ownNoReturn = OwnNoReturnFunctions.find(exits, parts);
        noReturn = noReturn.including(ownNoReturn);
        TreeSet<Integer> frontier = new TreeSet<>();
        for (Map.Entry<String, IntList> e : importCallers.entrySet()) {
            if (allocators.lookup(e.getKey()) != null) {
                addAll(frontier, e.getValue());
            }
        }
        List<Integer> ownOperatorNew = new ArrayList<>();
        for (int f = 0; f < functions.count(); f++) {
            EntryPoint own = allocatorDefinedAt(f);
            if (own != null) {
                localEntries.put(f, own);
                addAll(frontier, localCallers.get(f));
                if (own.isAllocator() && AllocatorCatalog.isOperatorNew(own.allocator())) {
                    ownOperatorNew.add(f);
                }
            }
        }
        wrapOwnOperatorNew(ownOperatorNew);
        routeStringCreateThroughOwnNew(ownOperatorNew);
        for (int round = 0; round < MAX_ROUNDS && !frontier.isEmpty(); round++) {
            List<Integer> newWrappers = new ArrayList<>();
            for (int f : frontier) {
                EntryPoint existing = localEntries.get(f);
                if (existing != null && existing.isAllocator()) {
                    continue; // the allocator's own implementation calls itself: not a site of the program
                }
                List<Observation> found = analyse(f);
                observations.put(f, found);
                if (existing == null) {
                    EntryPoint wrapper = wrapperOf(f, found);
                    if (wrapper != null) {
                        localEntries.put(f, wrapper);
                        newWrappers.add(f);
                    }
                }
            }
            frontier = new TreeSet<>();
            for (int w : newWrappers) {
                addAll(frontier, localCallers.get(w));
            }
            if (round == MAX_ROUNDS - 1 && !frontier.isEmpty()) {
                warnings.add("wrapper search stopped after " + MAX_ROUNDS + " levels");
            }
        }
        return sites();
    }

    /** Problems met while finding sites. */
    public List<String> warnings() {
        return warnings;
    }

    /** Instructions decoded by the sweep. */
    public long instructionCount() {
        return instructions;
    }

    /** Bytes the sweep could not decode (data in code, or a decoder gap). */
    public long undecodableBytes() {
        return undecodable;
    }

    /** How many wrappers were found. */
    public long wrapperCount() {
        return localEntries.values().stream().filter(e -> !e.isAllocator()).count();
    }

    /** How many of the wrappers have a fallback path requesting another size (their reliability is lowered). */
    public long wrappersWithFallbackCount() {
        return wrappersWithFallback;
    }

    /** Adds the callers to the set to analyse; a caller that is a part of another function is analysed with it. */
    private void addAll(TreeSet<Integer> set, IntList list) {
        if (list != null) {
            for (int v : list.toArray()) {
                set.add(parts.root(v));
            }
        }
    }

    /** The binary's own functions (by index) that never return: calls of them end their block. */
    public BitSet ownNoReturn() {
        return (BitSet) ownNoReturn.clone();
    }

    /** How many functions were analysed as parts of others ({@code .cold} parts). */
    public int partCount() {
        return parts == null ? 0 : parts.partCount();
    }

    private EntryPoint allocatorDefinedAt(int f) {
        EntryPoint best = null;
        for (String alias : functions.aliases(f)) {
            EntryPoint e = allocators.lookup(alias);
            if (e != null && (best == null || best.allocator().startsWith("__"))) {
                best = e;
            }
        }
        return best;
    }

    /** One pass over all code: records the callers of every function and import. */
    private void sweep() {
        Instruction insn = isa.newInstruction();
        TableDispatches dispatches = new TableDispatches(elf, isa);
        for (int f = 0; f < functions.count(); f++) {
            Section s = elf.codeSectionAt(functions.start(f));
            if (s == null) {
                continue;
            }
            long delta = s.address() - s.offset();
            int end = (int) (Math.min(functions.end(f), s.address() + s.fileSize()) - delta);
            int codeEnd = (int) (s.offset() + s.fileSize());
            dispatches.startFunction(delta, codeEnd);
            int from = f;
            exits.startFunction(f);
            LongConsumer caseElsewhere = target -> { // a switch case in another part (.cold)
                if (target < functions.start(from) || target >= functions.end(from)) {
                    links.jump(from, target);
                }
            };
            for (int pos = (int) (functions.start(f) - delta); pos < end; ) {
                int len = isa.decode(elf.data(), pos, codeEnd, pos + delta, insn);
                if (len == 0) {
                    undecodable++;
                    exits.undecodable();
                    pos++;
                    continue;
                }
                instructions++;
                pos += len;
                exits.observe(insn);
                dispatches.observe(insn, caseElsewhere);
                if (insn.relativeBranch && (insn.branchTarget < functions.start(f)
                        || insn.branchTarget >= functions.end(f))) {
                    if (insn.isDirectJump()) {
                        links.jump(f, insn.branchTarget);
                    } else if (insn.flow() == Instruction.Flow.CALL) {
                        links.call(insn.branchTarget);
                    }
                }
                Callee c = resolver.resolve(insn, f);
                if (c == null) {
                    continue;
                }
                if (c.isImport()) {
                    importCallers.computeIfAbsent(c.importName(), k -> new IntList()).addUnlessLast(f);
                } else if (c.function() != f) {
                    localCallers.computeIfAbsent(c.function(), k -> new IntList()).addUnlessLast(f);
                }
            }
            exits.endFunction();
        }
    }

    private EntryPoint entryFor(Callee c) {
        if (!c.isImport()) {
            return localEntries.get(c.function());
        }
        return stringCreate != null && c.importName().equals(stringCreate.chain().getFirst()) ? stringCreate
                : allocators.lookup(c.importName());
    }

    /**
     * In a program with its own {@code operator new}, libstdc++'s {@code _M_create} allocates through it (its
     * call goes through the PLT), so its callers are sites of whatever that operator wraps.
     */
    private void routeStringCreateThroughOwnNew(List<Integer> ownOperatorNew) {
        for (int f : ownOperatorNew) {
            if (functions.aliases(f).contains("_Znwm") && functions.isGlobal(f)) {
                stringCreate = AllocatorCatalog.stringCreateThrough(localEntries.get(f));
            }
        }
        for (int f = 0; f < functions.count() && stringCreate != null; f++) {
            EntryPoint own = localEntries.get(f);
            if (own != null && !own.chain().isEmpty() && own.chain().getFirst().equals(stringCreate.chain().getFirst())) {
                localEntries.put(f, stringCreate);
            }
        }
    }

    private List<Observation> analyse(int f) {
        List<Observation> found = new ArrayList<>();
        FunctionCfg cfg = FunctionCfg.build(elf, isa, parts.ranges(f), parts.outsideEntries(f), noReturn::endsPath);
        if (cfg == null) {
            return found;
        }
        ConstantPropagation.Outcome outcome = ConstantPropagation.run(cfg, clobbers, (insn, state, depth) -> {
            Callee c = resolver.resolve(insn, f);
            EntryPoint e = c == null || withinGroup(c, f) ? null : entryFor(c);
            if (e != null) {
                found.add(new Observation(insn.address, insn.length, c.tail(), e, e.size().evaluate(state, convention),
                        depth));
            }
        });
        if (outcome.sound()) {
            found.sort(Comparator.comparingLong(Observation::address));
            return found;
        }
        return unanalysedSites(f, outcome.problem());
    }

    /** A jump from one part of a function to another's start: an edge of its CFG, not a tail call. */
    private boolean withinGroup(Callee c, int root) {
        return !c.isImport() && c.tail() && parts.root(c.function()) == root;
    }

    /** The entry-point calls of a function (and its parts) the dataflow cannot handle, all with unknown sizes. */
    private List<Observation> unanalysedSites(int f, String problem) {
        List<Observation> found = new ArrayList<>();
        for (long[] range : parts.ranges(f)) {
            Section s = elf.codeSectionAt(range[0]);
            long delta = s.address() - s.offset();
            int end = (int) (range[1] - delta);
            int codeEnd = (int) (s.offset() + s.fileSize());
            Instruction insn = isa.newInstruction();
            for (int pos = (int) (range[0] - delta); pos < end; ) {
                int len = isa.decode(elf.data(), pos, codeEnd, pos + delta, insn);
                if (len == 0) {
                    pos++;
                    continue;
                }
                pos += len;
                Callee c = resolver.resolve(insn, f);
                EntryPoint e = c == null || withinGroup(c, f) ? null : entryFor(c);
                if (e != null) {
                    found.add(new Observation(insn.address, insn.length, c.tail(), e, new Unknown(problem), 0));
                }
            }
        }
        found.sort(Comparator.comparingLong(Observation::address));
        return found;
    }

    /**
     * A binary's own {@code operator new} that forwards to {@code malloc} (gdb's, cc1plus's, libstdc++'s own) becomes
     * a wrapper of it, so that every {@code new T} of the program is a site of the C allocator with its size, as
     * the runtime sees it. The variants call each other ({@code new[]} tail-calls {@code new}), so they are
     * re-examined until none changes; one that forwards no size to another allocator stays an allocator.
     */
    private void wrapOwnOperatorNew(List<Integer> ownOperatorNew) {
        boolean changed = true;
        for (int pass = 0; pass <= ownOperatorNew.size() && changed; pass++) {
            changed = false;
            for (int f : ownOperatorNew) {
                List<Observation> found = analyse(f);
                if (found.stream().anyMatch(o -> o.entry().chain().contains(functions.name(f)))) {
                    continue; // through another variant back to itself: no wrapper
                }
                WrapperRule.MainPath main = WrapperRule.decide(found);
                EntryPoint wrapper = main == null ? null : entryOf(f, main);
                if (wrapper != null && !wrapper.equals(localEntries.get(f))) {
                    localEntries.put(f, wrapper);
                    changed = true;
                }
            }
        }
        for (int f : ownOperatorNew) {
            EntryPoint e = localEntries.get(f);
            if (!e.isAllocator() && e.reliability() < 1.0) {
                wrappersWithFallback++;
            }
        }
    }

    /** The function as an entry point if {@link WrapperRule} finds it is a wrapper; null otherwise. */
    private EntryPoint wrapperOf(int f, List<Observation> found) {
        WrapperRule.MainPath main = WrapperRule.decide(found);
        if (main == null) {
            return null;
        }
        if (main.reliability() < main.callee().reliability()) {
            wrappersWithFallback++;
        }
        return entryOf(f, main);
    }

    private EntryPoint entryOf(int f, WrapperRule.MainPath main) {
        List<String> chain = new ArrayList<>();
        chain.add(functions.name(f));
        chain.addAll(main.callee().chain());
        return new EntryPoint(main.callee().allocator(), chain, main.size(), main.reliability());
    }

    private List<AllocationSite> sites() {
        List<AllocationSite> sites = new ArrayList<>();
        for (Map.Entry<Integer, List<Observation>> e : observations.entrySet()) {
            int f = e.getKey();
            EntryPoint self = localEntries.get(f);
            for (Observation o : e.getValue()) {
                sites.add(site(f, self, o));
            }
        }
        sites.sort(Comparator.comparingLong(s -> ((ElfSiteLocation) s.location()).address()));
        return sites;
    }

    private AllocationSite site(int f, EntryPoint self, Observation o) {
        // a site in a cold part is named by the part that holds it (foo.cold), as a disassembler would
        ElfSiteLocation location = new ElfSiteLocation(o.address(), o.tail() ? 0 : o.address() + o.length(),
                functions.name(functions.indexContaining(o.address())));
        SizeSet sizes = SizeSet.unknown();
        String note;
        switch (o.evaluation()) {
            case Known(long[] values) -> {
                sizes = SizeSet.of(values);
                note = sizes.isKnown() ? (values.length == 1 ? "constant" : "one of " + values.length + " constants")
                        : "sizes out of range";
            }
            case Derived(SizeExpression expression) -> note = self != null && !self.isAllocator()
                    ? "wrapper: size is " + expression.describe(convention) + " of its callers"
                    : "size depends on argument " + expression.describe(convention);
            case Unknown(String reason) -> note = reason;
        }
        if (o.tail()) {
            note = "tail call (the return address is the caller's); " + note;
        }
        double reliability = o.entry().chain().isEmpty() ? 1.0 : WRAPPED_RELIABILITY * o.entry().reliability();
        if (o.entry().reliability() < 1.0) {
            note += "; another path in " + String.join(" or ", o.entry().chain()) + " requests another size or allocator";
        }
        return new AllocationSite(location, o.entry().allocator(), o.entry().chain(), sizes, reliability,
                o.loopDepth(), note);
    }
}
