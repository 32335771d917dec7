package dev.lgmalloc.elf.isa.x86;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lgmalloc.elf.format.ElfFile;
import dev.lgmalloc.elf.format.Section;
import dev.lgmalloc.elf.testing.Tools;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Compares instruction lengths with {@code objdump -d} on real binaries of this machine: for every pair of
 * consecutive instructions objdump prints, the decoder must find the same length at the first.
 */
class ObjdumpAgreementTest {

    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t(.*)$");

    @Test
    void instructionBoundariesAgreeWithObjdump() throws Exception {
        assumeTrue(Tools.onPath("objdump"), "objdump is not installed: decoder not compared with it");
        List<Path> binaries = Tools.existing("/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/bash",
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3");
        assumeTrue(!binaries.isEmpty(), "none of the system binaries to compare with is present");
        long compared = 0;
        long agreed = 0;
        StringBuilder firstMismatches = new StringBuilder();
        for (Path binary : binaries) {
            ElfFile elf = ElfFile.open(binary.toRealPath());
            String listing = Tools.run(120, List.of("objdump", "-d", "--no-show-raw-insn", binary.toString()));
            X86Instruction insn = new X86Instruction();
            long previous = -1;
            boolean previousBad = true;
            for (String line : listing.split("\n")) {
                Matcher m = LINE.matcher(line);
                if (!m.matches()) {
                    previous = -1; // a label, blank line or skipped zeros: no adjacency across it
                    continue;
                }
                long address = Long.parseLong(m.group(1), 16);
                boolean bad = m.group(2).contains("(bad)") || m.group(2).startsWith("rex");
                if (previous >= 0 && !previousBad && address > previous) {
                    int expected = (int) (address - previous);
                    int decoded = decodeAt(elf, previous, insn);
                    compared++;
                    if (decoded == expected) {
                        agreed++;
                    } else if (firstMismatches.length() < 2000) {
                        firstMismatches.append(String.format("%s 0x%x: objdump %d, decoder %d%n",
                                binary.getFileName(), previous, expected, decoded));
                    }
                }
                previous = address;
                previousBad = bad;
            }
        }
        double agreement = (double) agreed / compared;
        System.out.printf("decoder vs objdump: %d of %d instruction lengths agree (%.5f%%)%n", agreed, compared,
                100 * agreement);
        assertThat(compared).isGreaterThan(100_000);
        assertThat(agreement).as(firstMismatches.toString()).isGreaterThanOrEqualTo(0.9999);
    }

    private static int decodeAt(ElfFile elf, long address, X86Instruction insn) {
        Section s = elf.codeSectionAt(address);
        if (s == null) {
            return -1;
        }
        int pos = (int) (s.offset() + (address - s.address()));
        int end = (int) (s.offset() + s.fileSize());
        return X86Decoder.decode(elf.data(), pos, end, address, insn);
    }
}
