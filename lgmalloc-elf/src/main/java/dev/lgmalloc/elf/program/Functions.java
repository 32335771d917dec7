package dev.lgmalloc.elf.program;

import dev.lgmalloc.elf.format.EhFrame;
import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.format.Symbol;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The functions of a binary as disjoint, sorted address ranges. FDEs give exact bounds; symbols add the
 * functions FDEs miss; code not covered by either becomes a pseudo function named {@code fun_<address>} so
 * nothing in the code sections goes unscanned. PLT sections are not functions.
 */
public final class Functions {

    private final long[] starts;
    private final long[] ends;
    private final String[] names;
    private final Map<Long, List<String>> namesAt;
    private final Set<Long> exported;

    private Functions(long[] starts, long[] ends, String[] names, Map<Long, List<String>> namesAt,
                      Set<Long> exported) {
        this.starts = starts;
        this.ends = ends;
        this.names = names;
        this.namesAt = namesAt;
        this.exported = exported;
    }

    /** Builds the function table from FDE ranges and code symbols. */
    public static Functions build(ElfFile elf, List<Symbol> symbols, List<EhFrame.Range> fdes) {
        List<Section> code = elf.sections().stream().filter(s -> s.isCode() && !s.isPlt()).toList();
        Map<Long, List<String>> namesAt = new HashMap<>();
        Map<Long, Boolean> globalAt = new HashMap<>();
        Set<Long> exported = new HashSet<>();
        TreeMap<Long, Long> ranges = new TreeMap<>(); // start -> end, or -1 when only the start is known
        for (EhFrame.Range r : fdes) {
            Section s = sectionOf(code, r.start());
            if (s != null && r.end() <= s.address() + s.fileSize()) {
                ranges.merge(r.start(), r.end(), Math::max);
            }
        }
        for (Symbol sym : symbols) {
            if (!sym.isCode() || sym.name().isEmpty()) {
                continue;
            }
            Section s = sectionOf(code, sym.value());
            if (s == null) {
                continue;
            }
            List<String> list = namesAt.computeIfAbsent(sym.value(), k -> new ArrayList<>(2));
            boolean global = sym.binding() != 0;
            if (!list.contains(sym.name())) {
                // globals first: they are the names people know a function by
                if (global && !globalAt.getOrDefault(sym.value(), false)) {
                    list.addFirst(sym.name());
                    globalAt.put(sym.value(), true);
                } else {
                    list.add(sym.name());
                }
            }
            if (global) {
                exported.add(sym.value());
            }
            long end = sym.size() > 0 ? Math.min(sym.value() + sym.size(), s.address() + s.fileSize()) : -1;
            ranges.putIfAbsent(sym.value(), end);
        }
        List<long[]> list = new ArrayList<>();
        Long[] keys = ranges.keySet().toArray(new Long[0]);
        for (int i = 0; i < keys.length; i++) {
            long start = keys[i];
            Section s = sectionOf(code, start);
            long limit = s.address() + s.fileSize();
            if (i + 1 < keys.length && keys[i + 1] < limit) {
                limit = keys[i + 1];
            }
            long end = ranges.get(start);
            end = end < 0 || end > limit ? limit : end;
            if (end > start) {
                list.add(new long[] {start, end});
            }
        }
        List<long[]> all = new ArrayList<>(list);
        for (Section s : code) { // uncovered code becomes pseudo functions
            long cursor = s.address();
            long sectionEnd = s.address() + s.fileSize();
            for (long[] r : list) {
                if (r[0] >= sectionEnd || r[1] <= s.address()) {
                    continue;
                }
                if (r[0] > cursor) {
                    all.add(new long[] {cursor, r[0]});
                }
                cursor = Math.max(cursor, r[1]);
            }
            if (cursor < sectionEnd) {
                all.add(new long[] {cursor, sectionEnd});
            }
        }
        all.sort((a, b) -> Long.compare(a[0], b[0]));
        long[] starts = new long[all.size()];
        long[] ends = new long[all.size()];
        String[] names = new String[all.size()];
        for (int i = 0; i < all.size(); i++) {
            starts[i] = all.get(i)[0];
            ends[i] = all.get(i)[1];
            List<String> n = namesAt.get(starts[i]);
            names[i] = n == null || n.isEmpty() ? String.format("fun_%x", starts[i]) : n.getFirst();
        }
        return new Functions(starts, ends, names, namesAt, exported);
    }

    private static Section sectionOf(List<Section> code, long address) {
        for (Section s : code) {
            if (s.containsAddress(address)) {
                return s;
            }
        }
        return null;
    }

    public int count() {
        return starts.length;
    }

    public long start(int function) {
        return starts[function];
    }

    public long end(int function) {
        return ends[function];
    }

    public String name(int function) {
        return names[function];
    }

    /** Every symbol name at the function's start (aliases such as {@code malloc} and {@code __libc_malloc}). */
    public List<String> aliases(int function) {
        List<String> n = namesAt.get(starts[function]);
        return n == null ? List.of() : n;
    }

    /** Whether a global or weak symbol names the function's start: code anywhere may call it. */
    public boolean isGlobal(int function) {
        return exported.contains(starts[function]);
    }

    /** Code symbol names by address, for IRELATIVE resolvers. */
    public Map<Long, List<String>> namesByAddress() {
        return namesAt;
    }

    /** The function containing {@code address}, or -1. */
    public int indexContaining(long address) {
        int i = Arrays.binarySearch(starts, address);
        if (i >= 0) {
            return i;
        }
        i = -i - 2;
        return i >= 0 && address < ends[i] ? i : -1;
    }

    /** The function starting exactly at {@code address}, or -1. */
    public int indexStartingAt(long address) {
        int i = Arrays.binarySearch(starts, address);
        return i >= 0 ? i : -1;
    }
}
