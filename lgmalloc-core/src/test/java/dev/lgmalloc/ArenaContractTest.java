package dev.lgmalloc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code Arena} contract, asserted the same way on the JDK's confined and shared arenas and on lgmalloc's:
 * what transparent mode puts in place of {@code Arena.ofConfined()} and {@code Arena.ofShared()} must pass
 * exactly what the JDK's own arenas pass.
 */
class ArenaContractTest {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle STRLEN = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strlen"), FunctionDescriptor.of(JAVA_LONG, ADDRESS));

    static Stream<Arguments> confined() {
        return Stream.of(Arguments.of("JDK Arena.ofConfined", (Supplier<Arena>) Arena::ofConfined),
                Arguments.of("LgArena.ofConfined", (Supplier<Arena>) LgArena::ofConfined));
    }

    static Stream<Arguments> all() {
        return Stream.concat(confined(), Stream.of(
                Arguments.of("JDK Arena.ofShared", (Supplier<Arena>) Arena::ofShared),
                Arguments.of("LgArena.ofShared", (Supplier<Arena>) LgArena::ofShared)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void memoryIsZeroedEvenWhenReused(String name, Supplier<Arena> factory) {
        for (int round = 0; round < 3; round++) {
            try (Arena arena = factory.get()) {
                for (long size : new long[] {1, 7, 8, 64, 300, 4096, 70_000, 200_000}) {
                    MemorySegment s = arena.allocate(size);
                    assertThat(s.byteSize()).isEqualTo(size);
                    for (long i = 0; i < size; i++) {
                        if (s.get(JAVA_BYTE, i) != 0) {
                            throw new AssertionError(name + ": byte " + i + " of a " + size + "-byte segment is not 0");
                        }
                    }
                    s.fill((byte) 0x5A);                        // dirty it for the next round
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void segmentsAreAlignedDistinctAndOfTheRequestedSize(String name, Supplier<Arena> factory) {
        try (Arena arena = factory.get()) {
            Set<Long> addresses = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                assertThat(addresses.add(arena.allocate(0).address())).as("zero-length segments are distinct").isTrue();
            }
            for (long alignment = 1; alignment <= 1 << 16; alignment <<= 1) {
                MemorySegment s = arena.allocate(24, alignment);
                assertThat(s.address() % alignment).as("alignment %d", alignment).isZero();
                assertThat(s.byteSize()).isEqualTo(24);
            }
            assertThatThrownBy(() -> arena.allocate(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> arena.allocate(8, 3)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void closeIsNotIdempotentAndEndsEverySegment(String name, Supplier<Arena> factory) {
        Arena arena = factory.get();
        MemorySegment s = arena.allocate(JAVA_LONG);
        s.set(JAVA_LONG, 0, 1);
        assertThat(arena.scope().isAlive()).isTrue();
        arena.close();
        assertThat(arena.scope().isAlive()).isFalse();
        assertThat(s.scope().isAlive()).isFalse();
        assertThatThrownBy(() -> s.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> arena.allocate(8)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(arena::close).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("confined")
    void aConfinedArenaBelongsToItsThread(String name, Supplier<Arena> factory) throws Exception {
        try (Arena arena = factory.get()) {
            MemorySegment s = arena.allocate(JAVA_INT);
            assertThat(elsewhere(() -> arena.allocate(8))).isInstanceOf(WrongThreadException.class);
            assertThat(elsewhere(() -> s.get(JAVA_INT, 0))).isInstanceOf(WrongThreadException.class);
            assertThat(elsewhere(() -> {
                arena.close();
                return null;
            })).isInstanceOf(WrongThreadException.class);
            assertThat(arena.scope().isAlive()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void allocateFromCopiesValuesArraysAndStrings(String name, Supplier<Arena> factory) {
        try (Arena arena = factory.get()) {
            assertThat(arena.allocateFrom(JAVA_INT, 42).get(JAVA_INT, 0)).isEqualTo(42);
            assertThat(arena.allocateFrom(JAVA_LONG, -7L).get(JAVA_LONG, 0)).isEqualTo(-7L);
            assertThat(arena.allocateFrom(JAVA_DOUBLE, 2.5).get(JAVA_DOUBLE, 0)).isEqualTo(2.5);
            assertThat(arena.allocateFrom(JAVA_SHORT, (short) 3).get(JAVA_SHORT, 0)).isEqualTo((short) 3);
            MemorySegment target = arena.allocate(16);
            assertThat(arena.allocateFrom(ADDRESS, target).get(ADDRESS, 0).address()).isEqualTo(target.address());
            MemorySegment ints = arena.allocateFrom(JAVA_INT, 1, 2, 3, 4, 5);
            assertThat(ints.byteSize()).isEqualTo(20);
            assertThat(ints.toArray(JAVA_INT)).containsExactly(1, 2, 3, 4, 5);
            MemorySegment text = arena.allocateFrom("héllo");
            assertThat(text.byteSize()).isEqualTo(7);
            assertThat(text.getString(0)).isEqualTo("héllo");
            assertThat(arena.allocateFrom("hi", StandardCharsets.UTF_16LE).getString(0, StandardCharsets.UTF_16LE))
                    .isEqualTo("hi");
            assertThatThrownBy(() -> arena.allocateFrom(JAVA_INT, MemorySegment.ofArray(new long[1]), JAVA_LONG, 0, 1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theScopeWorksWhereverTheJdkTakesAnArena(String name, Supplier<Arena> factory) throws Throwable {
        AtomicBoolean cleaned = new AtomicBoolean();
        try (Arena arena = factory.get()) {
            // a downcall with the arena as the allocator of its argument
            assertThat((long) STRLEN.invokeExact(arena.allocateFrom("lgmalloc"))).isEqualTo(8);
            // reinterpret into the arena, with a cleanup run at close
            MemorySegment raw = MemorySegment.ofAddress(arena.allocate(8).address())
                    .reinterpret(8, arena, segment -> cleaned.set(true));
            assertThat(raw.scope()).isEqualTo(arena.scope());
            // an upcall stub allocated in the arena
            MethodHandle target = MethodHandles.lookup().findStatic(ArenaContractTest.class, "twice",
                    MethodType.methodType(int.class, int.class));
            MemorySegment stub = LINKER.upcallStub(target, FunctionDescriptor.of(JAVA_INT, JAVA_INT), arena);
            MethodHandle call = LINKER.downcallHandle(stub, FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            assertThat((int) call.invokeExact(21)).isEqualTo(42);
            // a ByteBuffer view keeps the scope
            ByteBuffer buffer = arena.allocate(MemoryLayout.sequenceLayout(4, JAVA_INT)).asByteBuffer();
            buffer.putInt(0, 7);
            assertThat(buffer.getInt(0)).isEqualTo(7);
        }
        assertThat(cleaned).isTrue();
    }

    static int twice(int x) {
        return 2 * x;
    }

    private static Throwable elsewhere(java.util.concurrent.Callable<?> action) throws InterruptedException {
        try {
            CompletableFuture.supplyAsync(() -> {
                try {
                    return action.call();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }).get();
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return cause instanceof java.util.concurrent.CompletionException c ? c.getCause() : cause;
        }
    }
}
