package dev.lgmalloc.elf.survey;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The baseline the analyser is measured against (issue 10: "a simple objdump-based scanner"): reads
 * {@code objdump -d} of a binary and, for every direct call of an allocator, takes the size from a
 * {@code mov $imm} into the size register(s) earlier in the same basic block, nothing else — no wrappers, no
 * arithmetic, no stack slots, no joins. A basic block ends at any jump, call or return and starts again at a
 * jump target within the symbol objdump is listing.
 */
public final class ObjdumpBaseline {

    /** Size argument registers by allocator (System V: rdi, rsi, rdx); two for calloc's and reallocarray's products. */
    private static final Map<String, List<String>> SIZE_REGISTERS = new HashMap<>();

    static {
        for (String n : List.of("malloc", "valloc", "pvalloc", "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t",
                "_ZnamRKSt9nothrow_t", "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t")) {
            SIZE_REGISTERS.put(n, List.of("di"));
        }
        SIZE_REGISTERS.put("calloc", List.of("di", "si"));
        for (String n : List.of("realloc", "aligned_alloc", "memalign")) {
            SIZE_REGISTERS.put(n, List.of("si"));
        }
        SIZE_REGISTERS.put("posix_memalign", List.of("dx"));
        SIZE_REGISTERS.put("reallocarray", List.of("si", "dx"));
    }

    private static final Pattern INSTRUCTION = Pattern.compile("^\\s*([0-9a-f]+):\\t(\\S+)\\s*(.*)$");
    private static final Pattern TARGET = Pattern.compile("^([0-9a-f]+) <([^>+]+)(\\+0x[0-9a-f]+)?>");
    private static final Pattern GOT_TARGET = Pattern.compile("# [0-9a-f]+ <([^>+]+)>$");
    private static final Pattern MOV_IMMEDIATE = Pattern.compile("^\\$0x([0-9a-f]+),%(e|r)(di|si|dx)$");

    private record Line(long address, String mnemonic, String operands) {
    }

    private ObjdumpBaseline() {
    }

    /** Predicted size by the return address of each allocator call whose size the scan finds constant. */
    public static Map<Long, Long> scan(Path binary) throws IOException, InterruptedException {
        Process objdump = new ProcessBuilder("objdump", "-d", "-w", "--no-show-raw-insn", binary.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Map<Long, Long> sites = new HashMap<>();
        List<Line> symbol = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(objdump.getInputStream(),
                StandardCharsets.ISO_8859_1), 1 << 16)) {
            for (String text = in.readLine(); text != null; text = in.readLine()) {
                Matcher m = INSTRUCTION.matcher(text);
                if (m.matches()) {
                    symbol.add(new Line(Long.parseUnsignedLong(m.group(1), 16), m.group(2), m.group(3)));
                } else if (text.endsWith(">:")) { // the next symbol: its own blocks
                    scanSymbol(symbol, sites);
                    symbol.clear();
                }
            }
        }
        scanSymbol(symbol, sites);
        if (objdump.waitFor() != 0) {
            throw new IOException("objdump failed on " + binary);
        }
        return sites;
    }

    private static void scanSymbol(List<Line> lines, Map<Long, Long> sites) {
        Set<Long> blockStarts = new HashSet<>();
        for (Line l : lines) {
            if (l.mnemonic().startsWith("j")) {
                Matcher t = TARGET.matcher(l.operands());
                if (t.find()) {
                    blockStarts.add(Long.parseUnsignedLong(t.group(1), 16));
                }
            }
        }
        Map<String, Long> constants = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            if (blockStarts.contains(l.address())) {
                constants.clear();
            }
            if (l.mnemonic().startsWith("call")) {
                List<String> registers = SIZE_REGISTERS.get(calleeName(l.operands()));
                if (registers != null && i + 1 < lines.size()) {
                    Long size = 1L;
                    for (String r : registers) {
                        Long v = constants.get(r);
                        size = v == null || size == null ? null : size * v;
                    }
                    if (size != null) {
                        sites.put(lines.get(i + 1).address(), size);
                    }
                }
                constants.clear();
            } else if (l.mnemonic().startsWith("j") || l.mnemonic().startsWith("ret")) {
                constants.clear();
            } else {
                Matcher mov = MOV_IMMEDIATE.matcher(l.operands());
                if (l.mnemonic().startsWith("xchg")) {
                    constants.clear();
                } else if (l.mnemonic().startsWith("mov") && mov.matches()) {
                    constants.put(mov.group(3), Long.parseUnsignedLong(mov.group(1), 16));
                } else {
                    forgetWritten(l.operands(), constants);
                }
            }
        }
    }

    /** A direct call's target symbol without its version ({@code malloc@plt}, {@code malloc@GLIBC_2.2.5}). */
    private static String calleeName(String operands) {
        Matcher t = TARGET.matcher(operands);
        String name = null;
        if (t.find() && t.group(3) == null) {
            name = t.group(2);
        } else {
            Matcher got = GOT_TARGET.matcher(operands);
            if (operands.startsWith("*") && got.find()) {
                name = got.group(1);
            }
        }
        if (name == null) {
            return "";
        }
        int at = name.indexOf('@');
        return at < 0 ? name : name.substring(0, at);
    }

    /** The destination is the last operand in AT&amp;T syntax: a write to any width of a size register forgets it. */
    private static void forgetWritten(String operands, Map<String, Long> constants) {
        if (constants.isEmpty()) {
            return;
        }
        int comment = operands.indexOf('#');
        String ops = comment < 0 ? operands : operands.substring(0, comment);
        int comma = ops.lastIndexOf(',');
        String destination = (comma < 0 ? ops : ops.substring(comma + 1)).trim();
        switch (destination) {
            case "%rdi", "%edi", "%di", "%dil" -> constants.remove("di");
            case "%rsi", "%esi", "%si", "%sil" -> constants.remove("si");
            case "%rdx", "%edx", "%dx", "%dl", "%dh" -> constants.remove("dx");
            default -> {
                if (ops.isBlank() || comma < 0) { // one operand or none (mul, div, cqo, stos): implicit writes
                    constants.clear();
                }
            }
        }
    }
}
