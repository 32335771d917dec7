package dev.lgmalloc.bench.peer;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** Every peer the suite knows, with how to create it, whether it can run here, and the JVM options it needs. */
public final class Peers {

    /**
     * One peer.
     *
     * @param name        the name used on the command line and in the tables
     * @param jvmOptions  options its JVM needs beyond the suite's own
     * @param environment variables its JVM needs beyond the suite's own
     * @param unavailable why it cannot run on this machine, or null when it can
     * @param factory     creates it in the JVM that measures it
     * @param byDefault   run when no {@code --allocators} are named (false for peers too slow for the full ports)
     */
    public record Spec(String name, List<String> jvmOptions, Map<String, String> environment,
            Supplier<String> unavailable,
            Supplier<PeerAllocator> factory, boolean byDefault) {

        /** The options of its JVM, resolved on this machine (the agent's path for {@code lgmalloc-plan}). */
        public List<String> resolvedJvmOptions() {
            if (name.equals("lgmalloc-plan")) {
                // Transparent mode off: this peer measures lgmalloc's own API under its plan, and the harness's own
                // JDK arena and Unsafe calls must stay the JDK's.
                return AgentJar.find().map(jar -> List.of("-javaagent:" + jar + "=verbose,unsafe=off,arena=off"))
                        .orElse(List.of());
            }
            return jvmOptions;
        }

        /** Why this peer cannot run here, or empty when it can. */
        public Optional<String> unavailableReason() {
            return Optional.ofNullable(unavailable.get());
        }

        public PeerAllocator create() {
            return factory.get();
        }
    }

    /** Netty needs Unsafe for buffer addresses and its fastest paths; its leak detector would wrap sampled buffers. */
    private static final List<String> NETTY_OPTIONS = List.of("--sun-misc-unsafe-memory-access=allow",
            "-Dio.netty.leakDetection.level=disabled", "-XX:MaxDirectMemorySize=8g");

    private static final List<Spec> ALL = List.of(
            new Spec("lgmalloc", List.of(), Map.of(), () -> null,
                    () -> new LgmallocPeer("lgmalloc", "default configuration (free checks on, no predicted plan)"),
                    true),
            // The same allocator configured and routed by the agent from the analysis of this JVM's class path.
            new Spec("lgmalloc-plan", List.of(), Map.of(), AgentJar::unavailableReason,
                    () -> new LgmallocPeer("lgmalloc-plan", "lgmalloc-agent attached (-javaagent): the predictor's "
                            + "exact classes, pre-provisioned classes and routed sites"), true),
            nativeSpec(NativeLibrary.GLIBC, false), nativeSpec(NativeLibrary.GLIBC, true),
            // What the Netty and arena adapters' address map costs by itself, next to glibc-critical.
            new Spec("glibc-critical-mapped", List.of(), Map.of(), NativeLibrary.GLIBC::unavailableReason,
                    () -> new MappedPeer(new NativePeer(NativeLibrary.GLIBC, true)), false),
            nativeSpec(NativeLibrary.JEMALLOC, false), nativeSpec(NativeLibrary.JEMALLOC, true),
            nativeSpec(NativeLibrary.MIMALLOC, false), nativeSpec(NativeLibrary.MIMALLOC, true),
            nativeSpec(NativeLibrary.TCMALLOC, false), nativeSpec(NativeLibrary.TCMALLOC, true),
            new Spec("arena-confined", List.of(), Map.of(), () -> null, () -> new ArenaPeer(false), true),
            // Every free is a handshake with all threads (~50 us here): the full ports would take hours.
            new Spec("arena-shared", List.of(), Map.of(), () -> null, () -> new ArenaPeer(true), false),
            nettySpec(NettyPeer.Kind.POOLED), nettySpec(NettyPeer.Kind.POOLED_CACHED),
            nettySpec(NettyPeer.Kind.ADAPTIVE), nettySpec(NettyPeer.Kind.ADAPTIVE_FTL));

    private Peers() {
    }

    public static List<Spec> all() {
        return ALL;
    }

    public static List<String> names() {
        return ALL.stream().map(Spec::name).toList();
    }

    /** The peers run when none are named. */
    public static List<String> defaultNames() {
        return ALL.stream().filter(Spec::byDefault).map(Spec::name).toList();
    }

    public static Optional<Spec> byName(String name) {
        return ALL.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    /** Creates the named peer in this JVM, or fails with a message saying why it cannot run here. */
    public static PeerAllocator create(String name) {
        Spec spec = byName(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown allocator '" + name + "'; valid: " + String.join(", ", names())));
        spec.unavailableReason().ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        return spec.create();
    }

    private static Spec nativeSpec(NativeLibrary library, boolean critical) {
        return new Spec(library.displayName() + (critical ? "-critical" : ""), List.of(), library.jvmEnvironment(),
                library::unavailableReason, () -> new NativePeer(library, critical), true);
    }

    private static Spec nettySpec(NettyPeer.Kind kind) {
        return new Spec(kind.peerName, NETTY_OPTIONS, Map.of(), () -> null, () -> new NettyPeer(kind), true);
    }
}
