package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Random operation sequences checked against a model of live blocks. */
class ModelPropertiesTest {

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final Allocator ALLOCATOR = Allocator.create(AllocatorConfiguration.defaults().withExactSizes(40));

    sealed interface Op permits Malloc, Calloc, Aligned, Realloc, Free {
    }

    record Malloc(long size) implements Op {
    }

    record Calloc(long count, long size) implements Op {
    }

    record Aligned(long alignment, long size) implements Op {
    }

    record Realloc(int pick, long size) implements Op {
    }

    record Free(int pick) implements Op {
    }

    record Live(long size, byte pattern, long alignment) {
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Long> sizes = Arbitraries.oneOf(Arbitraries.longs().between(0, 600),
                Arbitraries.longs().between(0, 140_000), Arbitraries.of(40L, 48L, 4096L, 200_000L));
        Arbitrary<Op> op = Arbitraries.oneOf(
                sizes.map(Malloc::new),
                Arbitraries.longs().between(0, 64).flatMap(c -> Arbitraries.longs().between(0, 64)
                        .map(s -> new Calloc(c, s))),
                Arbitraries.integers().between(0, 16).flatMap(shift -> sizes.map(s -> new Aligned(1L << shift, s))),
                Arbitraries.integers().between(0, 1000).flatMap(i -> sizes.map(s -> new Realloc(i, s))),
                Arbitraries.integers().between(0, 1000).map(Free::new));
        return op.list().ofMinSize(1).ofMaxSize(200);
    }

    @Property(tries = 150)
    void liveBlocksNeverOverlapAndKeepTheirContents(@ForAll("operations") List<Op> ops) {
        TreeMap<Long, Live> live = new TreeMap<>();
        byte pattern = 1;
        try {
            for (Op op : ops) {
                pattern = (byte) (pattern * 31 + 7);
                switch (op) {
                    case Malloc m -> add(live, ALLOCATOR.malloc(m.size()), m.size(), pattern, 16);
                    case Calloc c -> {
                        long p = ALLOCATOR.calloc(c.count(), c.size());
                        for (long i = 0; i < c.count() * c.size(); i++) {
                            assertThat(ALL.get(JAVA_BYTE, p + i)).isZero();
                        }
                        add(live, p, c.count() * c.size(), pattern, 16);
                    }
                    case Aligned a -> add(live, ALLOCATOR.alignedAlloc(a.alignment(), a.size()), a.size(), pattern,
                            Math.max(16, a.alignment()));
                    case Realloc r when !live.isEmpty() -> {
                        long p = pick(live, r.pick());
                        Live old = live.remove(p);
                        verify(p, old);
                        long q = ALLOCATOR.realloc(p, r.size());
                        if (r.size() == 0) {
                            assertThat(q).isZero();
                        } else {
                            long kept = Math.min(old.size(), r.size());
                            for (long i = 0; i < kept; i++) {
                                assertThat(ALL.get(JAVA_BYTE, q + i)).isEqualTo(old.pattern());
                            }
                            add(live, q, r.size(), pattern, 16);
                        }
                    }
                    case Free f when !live.isEmpty() -> {
                        long p = pick(live, f.pick());
                        verify(p, live.remove(p));
                        ALLOCATOR.free(p);
                    }
                    default -> {
                    }
                }
            }
            for (Map.Entry<Long, Live> e : live.entrySet()) {
                verify(e.getKey(), e.getValue());
            }
        } finally {
            for (long p : new ArrayList<>(live.keySet())) {
                ALLOCATOR.free(p);
            }
        }
    }

    private static long pick(TreeMap<Long, Live> live, int index) {
        return live.keySet().stream().skip(index % live.size()).findFirst().orElseThrow();
    }

    private static void add(TreeMap<Long, Live> live, long p, long size, byte pattern, long alignment) {
        assertThat(p % alignment).isZero();
        long usable = ALLOCATOR.usableSize(p);
        assertThat(usable).isGreaterThanOrEqualTo(size);
        Map.Entry<Long, Live> below = live.floorEntry(p);
        if (below != null) {
            assertThat(below.getKey() + Math.max(1, ALLOCATOR.usableSize(below.getKey()))).as("overlap below")
                    .isLessThanOrEqualTo(p);
        }
        Map.Entry<Long, Live> above = live.ceilingEntry(p);
        if (above != null) {
            assertThat(p + usable).as("overlap above").isLessThanOrEqualTo(above.getKey());
        }
        ALL.asSlice(p, size).fill(pattern);
        live.put(p, new Live(size, pattern, alignment));
    }

    private static void verify(long p, Live l) {
        for (long i = 0; i < l.size(); i++) {
            if (ALL.get(JAVA_BYTE, p + i) != l.pattern()) {
                throw new AssertionError(String.format("block 0x%x lost its contents at +%d", p, i));
            }
        }
    }
}
