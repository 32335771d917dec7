package dev.lgmalloc.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class OsZeroTest {

    @Test
    void zeroesWholePagesAndRefusesAnythingElse() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pages = arena.allocate(4 * Os.PAGE_SIZE, Os.PAGE_SIZE);
            pages.fill((byte) 0x5A);
            Os.zero(pages.address(), 2 * Os.PAGE_SIZE);
            assertThat(pages.asSlice(0, 2 * Os.PAGE_SIZE).elements(JAVA_BYTE).allMatch(b -> b.get(JAVA_BYTE, 0) == 0))
                    .isTrue();
            assertThat(pages.get(JAVA_BYTE, 2 * Os.PAGE_SIZE)).as("the page after the range").isEqualTo((byte) 0x5A);
            // A partial page would be written, or dropped, past the range: refused before anything is touched.
            assertThatThrownBy(() -> Os.zero(pages.address(), 1024)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("whole pages");
            assertThatThrownBy(() -> Os.zero(pages.address() + 16, Os.PAGE_SIZE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole pages");
            assertThat(pages.get(JAVA_BYTE, 3 * Os.PAGE_SIZE)).isEqualTo((byte) 0x5A);
        }
    }
}
