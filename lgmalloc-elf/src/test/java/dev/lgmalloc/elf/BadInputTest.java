package dev.lgmalloc.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.lgmalloc.analysis.AnalysisException;
import dev.lgmalloc.analysis.AnalysisResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Truncated, corrupted, hostile and foreign files: each gives a typed {@link AnalysisException} with a clear
 * message, or a (partial) result — never an unchecked exception, a hang or an OutOfMemoryError.
 */
class BadInputTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static byte[] header(int elfClass, int data, int type, int machine) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) elfClass, (byte) data, 1});
        b.putShort(16, (short) type).putShort(18, (short) machine).putShort(52, (short) 64);
        return b.array();
    }

    @Test
    void foreignFilesAreRejectedWithAReason() throws Exception {
        assertRejected(write("empty", new byte[0]), "too short");
        assertRejected(write("text", "#!/bin/sh\necho hi\n".getBytes()), "not an ELF file");
        assertRejected(write("elf32", header(1, 1, 2, 62)), "not ELF64");
        assertRejected(write("big-endian", header(2, 2, 2, 62)), "not little-endian");
        assertRejected(write("arm64", header(2, 1, 3, 183)), "not x86-64");
        assertRejected(write("object", header(2, 1, 1, 62)), "neither an executable nor a shared object");
        assertRejected(write("short-header", Arrays.copyOf(header(2, 1, 2, 62), 40)), "truncated ELF header");
        assertRejected(dir.resolve("missing"), "cannot read");
        assertThat(ElfAnalyzer.isElf(write("magic", header(2, 1, 2, 62)))).isTrue();
        assertThat(ElfAnalyzer.isElf(write("nomagic", new byte[] {1, 2, 3, 4, 5}))).isFalse();
    }

    @Test
    void headerWithoutSectionsGivesAnEmptyResultWithAWarning() throws Exception {
        AnalysisResult r = ElfAnalyzer.analyze(write("bare", header(2, 1, 2, 62)), 0.9);
        assertThat(r.sites()).isEmpty();
        assertThat(r.warnings()).anyMatch(w -> w.contains("no section headers"));
    }

    @Test
    void hostileSectionTableIsRejected() throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Arrays.copyOf(header(2, 1, 3, 62), 256)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(40, 128).putShort(58, (short) 64).putShort(60, (short) 0xffff); // 65535 sections at offset 128
        assertRejected(write("huge-count", b.array()), "lies outside the file");
    }

    @Test
    void anOffsetAbove2To63IsShownUnsignedNotNegative() throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Arrays.copyOf(header(2, 1, 3, 62), 256)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(40, 0xffff_ffff_ffff_f000L).putShort(58, (short) 64).putShort(60, (short) 2);
        assertRejected(write("high-offset", b.array()), "2 entries at offset 0xfffffffffffff000) lies outside");
    }

    @Test
    void mutatedBinariesNeverEscapeWithAnUncheckedException() throws Exception {
        byte[] original = Files.readAllBytes(Path.of(smallSystemBinary()));
        Random random = new Random(0x5eed);
        int results = 0;
        int rejected = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        int runs = 0;
        for (; runs < 400 && System.nanoTime() < deadline; runs++) {
            byte[] mutant = mutate(original, random);
            Path file = write("mutant", mutant);
            Object outcome = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                try {
                    return ElfAnalyzer.analyze(file, 0.9);
                } catch (AnalysisException e) {
                    return e;
                }
            });
            if (outcome instanceof AnalysisException e) {
                assertThat(e.getMessage()).isNotBlank();
                // the range-check backstop would mean a read went unchecked: that is a bug, not bad input
                assertThat(e.getMessage()).as("run %d", runs).doesNotContain("consistency check failed");
                rejected++;
            } else {
                results++;
            }
        }
        System.out.printf("fuzz: %d mutants, %d analysed, %d rejected%n", runs, results, rejected);
        assertThat(runs).isGreaterThanOrEqualTo(50);
        assertThat(results).isPositive();
    }

    private static String smallSystemBinary() {
        for (String candidate : new String[] {"/usr/bin/true", "/bin/true", "/usr/bin/ls"}) {
            if (Files.isRegularFile(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no small system binary to mutate");
    }

    /** Flips bytes (mostly in headers and tables), writes hostile values, or truncates. */
    private static byte[] mutate(byte[] original, Random random) {
        byte[] m = original.clone();
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        int kind = random.nextInt(5);
        long shoff = b.getLong(40);
        switch (kind) {
            case 0 -> { // random bytes anywhere
                for (int i = 0; i < 1 + random.nextInt(64); i++) {
                    m[random.nextInt(m.length)] = (byte) random.nextInt(256);
                }
            }
            case 1 -> { // ELF and program headers
                for (int i = 0; i < 1 + random.nextInt(8); i++) {
                    m[random.nextInt(Math.min(m.length, 1024))] = (byte) random.nextInt(256);
                }
            }
            case 2 -> { // section header fields: offsets, sizes, links, entry sizes
                if (shoff > 0 && shoff < m.length - 64) {
                    int count = (int) ((m.length - shoff) / 64);
                    int at = (int) shoff + 64 * random.nextInt(Math.max(1, count)) + 8 * random.nextInt(8);
                    if (at + 8 <= m.length) {
                        long[] hostile = {0, -1, Long.MAX_VALUE, m.length, m.length - 1, 1L << 32,
                            random.nextLong(), random.nextInt(m.length)};
                        b.putLong(at, hostile[random.nextInt(hostile.length)]);
                    }
                }
            }
            case 3 -> { // truncation
                return Arrays.copyOf(m, random.nextInt(m.length));
            }
            default -> { // a run of garbage in the middle (code, tables, .eh_frame)
                int at = random.nextInt(m.length);
                for (int i = at; i < Math.min(m.length, at + 256); i++) {
                    m[i] = (byte) random.nextInt(256);
                }
            }
        }
        return m;
    }

    private static void assertRejected(Path file, String reason) {
        assertThatThrownBy(() -> ElfAnalyzer.analyze(file, 0.9)).isInstanceOf(AnalysisException.class)
                .hasMessageContaining(reason);
    }
}
