package dev.lgmalloc.elf.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lgmalloc.elf.testing.Tools;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StringCreateRule}'s growth rule held against the machine's own libstdc++: a program calls the real
 * {@code _M_create} by its mangled name with a grid of requested and old capacities, and its own
 * {@code operator new} records what the library asked for.
 */
class StringCreateRuleTest {

    /** Prints max_size(), then "requested old size" per call, "requested old throws" for a length_error. */
    private static final String PROBE = """
            #include <cstdio>
            #include <cstdlib>
            #include <new>
            #include <stdexcept>
            #include <string>
            static std::size_t asked;
            void *operator new(std::size_t n) {
                asked = n;
                void *p = n < (1ul << 40) ? std::malloc(n) : nullptr;
                if (p == nullptr) throw std::bad_alloc();
                return p;
            }
            void operator delete(void *p) noexcept { std::free(p); }
            void operator delete(void *p, std::size_t) noexcept { std::free(p); }
            extern char *create(std::string *self, std::size_t &capacity, std::size_t old)
                __asm__("_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_createERmm");
            int main() {
                std::string s;
                std::size_t max = s.max_size();
                std::printf("%zu\\n", max);
                std::size_t olds[] = {0, 1, 15, 16, 30, 100, max / 2 - 1, max / 2 + 7};
                std::size_t requests[] = {0, 1, 15, 16, 17, 29, 30, 31, 32, 59, 60, 61, 100, 150, 199, 200, 201,
                                          max / 2 + 9, max - 1, max, max + 1};
                for (std::size_t old : olds) {
                    for (std::size_t requested : requests) {
                        std::size_t capacity = requested;
                        asked = 0;
                        try {
                            operator delete(create(&s, capacity, old));
                        } catch (const std::length_error &) {
                            std::printf("%zu %zu throws\\n", requested, old);
                            continue;
                        } catch (const std::bad_alloc &) {
                        }
                        std::printf("%zu %zu %zu\\n", requested, old, asked);
                    }
                }
                return 0;
            }
            """;

    @TempDir
    Path work;

    @Test
    void theRuleAsksForWhatTheMachinesLibstdcxxAsksFor() throws Exception {
        assumeTrue(Tools.onPath("g++"), "g++ is not installed: the probe is not compiled");
        Path binary = Tools.build(work.resolve("probe.cc"), PROBE, work.resolve("probe"), "g++", "-O2");
        List<String> lines = Tools.run(60, List.of(binary.toString())).lines().toList();

        long maxSize = Long.parseUnsignedLong(lines.getFirst());
        assertThat(maxSize).as("max_size() is at least the smallest one the rule trusts")
                .isGreaterThanOrEqualTo(StringCreateRule.SMALLEST_MAX_SIZE);
        int checked = 0;
        int raised = 0;
        int capped = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ");
            long requested = Long.parseUnsignedLong(f[0]);
            long old = Long.parseUnsignedLong(f[1]);
            if (f[2].equals("throws")) {
                assertThat(Long.compareUnsigned(requested, maxSize)).as(line).isPositive();
                continue;
            }
            long asked = Long.parseUnsignedLong(f[2]);
            assertThat(StringCreateRule.allocationSize(requested, old, maxSize)).as(line).isEqualTo(asked);
            checked++;
            raised += asked != requested + 1 ? 1 : 0;
            capped += asked == maxSize + 1 && requested != maxSize ? 1 : 0;
        }
        assertThat(checked).isGreaterThan(100);
        assertThat(raised).as("requests raised to twice the old capacity").isGreaterThan(10);
        assertThat(capped).as("raised requests capped at max_size()").isPositive();
    }
}
