package dev.lgmalloc.analysis.jvm;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The table of allocation entry points and the rule that gives each one's requested size. */
public final class EntryPoints {

    /** Internal name of lgmalloc's static allocation API. */
    public static final String LG_MALLOC = "dev/lgmalloc/LgMalloc";
    /** Internal name of lgmalloc's arena. */
    public static final String LG_ARENA = "dev/lgmalloc/LgArena";

    private static final String SEGMENT = "Ljava/lang/foreign/MemorySegment;";
    private static final String LAYOUT = "Ljava/lang/foreign/MemoryLayout;";

    private static final List<EntryPoint> ALL = List.of(
            lg(LG_MALLOC, "malloc", "(J)J", SizeRule.FIRST_ARGUMENT),
            lg(LG_MALLOC, "calloc", "(JJ)J", SizeRule.PRODUCT_OF_FIRST_TWO),
            lg(LG_MALLOC, "realloc", "(JJ)J", SizeRule.SECOND_ARGUMENT),
            lg(LG_MALLOC, "alignedAlloc", "(JJ)J", SizeRule.SECOND_ARGUMENT),
            lg(LG_MALLOC, "tryMalloc", "(J)J", SizeRule.FIRST_ARGUMENT),
            lg(LG_MALLOC, "allocate", "(J)" + SEGMENT, SizeRule.FIRST_ARGUMENT),
            lg(LG_MALLOC, "allocate", "(JJ)" + SEGMENT, SizeRule.FIRST_ARGUMENT),
            lg(LG_ARENA, "allocate", "(J)" + SEGMENT, SizeRule.FIRST_ARGUMENT),
            lg(LG_ARENA, "allocate", "(JJ)" + SEGMENT, SizeRule.FIRST_ARGUMENT),
            lg(LG_ARENA, "allocate", "(" + LAYOUT + ")" + SEGMENT, SizeRule.LAYOUT_BYTE_SIZE),
            lg(LG_ARENA, "allocate", "(" + LAYOUT + "J)" + SEGMENT, SizeRule.LAYOUT_BYTE_SIZE_TIMES_SECOND),
            jdk("java/lang/foreign/Arena", "allocate", "(J)" + SEGMENT, SizeRule.FIRST_ARGUMENT),
            jdk("java/lang/foreign/Arena", "allocate", "(JJ)" + SEGMENT, SizeRule.FIRST_ARGUMENT),
            jdk("java/lang/foreign/Arena", "allocate", "(" + LAYOUT + ")" + SEGMENT, SizeRule.LAYOUT_BYTE_SIZE),
            jdk("java/lang/foreign/Arena", "allocate", "(" + LAYOUT + "J)" + SEGMENT,
                    SizeRule.LAYOUT_BYTE_SIZE_TIMES_SECOND),
            jdk("java/lang/foreign/SegmentAllocator", "allocate", "(J)" + SEGMENT, SizeRule.FIRST_ARGUMENT),
            jdk("java/lang/foreign/SegmentAllocator", "allocate", "(JJ)" + SEGMENT, SizeRule.FIRST_ARGUMENT),
            jdk("java/lang/foreign/SegmentAllocator", "allocate", "(" + LAYOUT + ")" + SEGMENT,
                    SizeRule.LAYOUT_BYTE_SIZE),
            jdk("java/lang/foreign/SegmentAllocator", "allocate", "(" + LAYOUT + "J)" + SEGMENT,
                    SizeRule.LAYOUT_BYTE_SIZE_TIMES_SECOND),
            jdk("java/nio/ByteBuffer", "allocateDirect", "(I)Ljava/nio/ByteBuffer;", SizeRule.FIRST_ARGUMENT),
            jdk("sun/misc/Unsafe", "allocateMemory", "(J)J", SizeRule.FIRST_ARGUMENT),
            // java.base's own off-heap allocations go through the internal Unsafe: report them too.
            jdk("jdk/internal/misc/Unsafe", "allocateMemory", "(J)J", SizeRule.FIRST_ARGUMENT));

    private static final Map<String, EntryPoint> BY_CALLEE = new HashMap<>();
    private static final Set<String> OWNERS = new HashSet<>();

    static {
        for (EntryPoint e : ALL) {
            BY_CALLEE.put(e.callee(), e);
            OWNERS.add(e.owner());
        }
    }

    private EntryPoints() {
    }

    /** Every entry point, lgmalloc's first. */
    public static List<EntryPoint> all() {
        return ALL;
    }

    /** The entry point an invoke of {@code owner.name descriptor} calls, if it is one. */
    public static Optional<EntryPoint> find(String owner, String name, String descriptor) {
        if (!OWNERS.contains(owner)) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_CALLEE.get(owner + "." + name + descriptor));
    }

    /** The entry point with the given {@link EntryPoint#callee()} string, if there is one. */
    public static Optional<EntryPoint> byCallee(String callee) {
        return Optional.ofNullable(BY_CALLEE.get(callee));
    }

    /** Whether {@code owner} declares at least one entry point. */
    public static boolean isOwner(String owner) {
        return OWNERS.contains(owner);
    }

    /** Whether a reference of static type {@code internalName} is one of lgmalloc's allocators. */
    /** {@code sun.misc.Unsafe.allocateMemory(long)}: the one JDK entry point whose size class matters to lgmalloc. */
    public static final String UNSAFE_ALLOCATE_MEMORY = "sun/misc/Unsafe.allocateMemory(J)J";

    /**
     * Whether the agent's transparent mode serves calls of {@code ep} from lgmalloc's size classes, so their
     * predictions deserve exact classes, provisioning and fast paths as lgmalloc's own calls do. Arena and direct
     * buffer calls are served too, but carved from a thread's chunk or slab: their sizes pick no class.
     */
    public static boolean servedTransparently(EntryPoint ep) {
        return ep.callee().equals(UNSAFE_ALLOCATE_MEMORY);
    }

    public static boolean isLgmallocAllocatorType(String internalName) {
        return LG_ARENA.equals(internalName);
    }

    private static EntryPoint lg(String owner, String name, String descriptor, SizeRule rule) {
        return new EntryPoint(owner, name, descriptor, AllocationApi.LGMALLOC, rule);
    }

    private static EntryPoint jdk(String owner, String name, String descriptor, SizeRule rule) {
        return new EntryPoint(owner, name, descriptor, AllocationApi.JDK, rule);
    }
}
