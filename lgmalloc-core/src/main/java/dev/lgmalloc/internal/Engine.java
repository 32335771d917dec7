package dev.lgmalloc.internal;

import dev.lgmalloc.AllocatorResidency;
import dev.lgmalloc.AllocatorStatistics;
import dev.lgmalloc.AllocatorStatistics.ClassStatistics;
import dev.lgmalloc.AllocatorStatistics.HeapStatistics;
import dev.lgmalloc.SizeClasses;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state of one allocator: its size classes, its memory, and which heap each thread uses.
 *
 * <p>A platform thread finds its heap in a table indexed by its thread id, checked against the heap's owner: a
 * few loads and no hashing. A thread whose slot a live thread holds (ids equal modulo the table size, common in
 * a long-running server whose pool threads come and go beside old threads) takes a second slot, at its id's
 * Fibonacci hash. A thread that finds both held moves one holder to that holder's own other slot, if free (a
 * step of cuckoo hashing); only when neither can move does it keep its heap in a {@link ThreadLocal}, off the
 * fast path. Virtual threads never get heaps of their own: they borrow one of a fixed number of stripes with a
 * try-lock, so memory stays bounded however many virtual threads run.
 */
public final class Engine implements dev.lgmalloc.internal.jfr.Telemetry.Source {

    /**
     * Size of the thread-id table; a power of two. 16 KiB of references: with 500 live threads a new thread finds
     * both its slots held with a chance of about 1.5%, and then one of their holders can move with a chance of
     * about 98.5%.
     */
    public static final int SLOT_COUNT = 4096;

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Heap[].class);
    private static final VarHandle STRIPE_CARRIERS = MethodHandles.arrayElementVarHandle(long[].class);

    private final String name;
    final SizeClasses classes;
    final Segments segments;
    final Extents extents;
    private final MemoryBudget budget;
    private final LargeBlocks largeBlocks;
    private final long purgeDelayNanos;
    private final Heap[] slots = new Heap[SLOT_COUNT];
    private final Heap[] stripes;
    /** The carrier (OS thread) that claimed each stripe, 0 for none: a hint, the stripe's lock is the rule. */
    private final long[] stripeCarriers;
    private final ThreadLocal<Heap> overflow = new ThreadLocal<>();
    /** Held while a thread's heap moves between its two slots of {@link #slots} (see {@link #moveHolderAside}). */
    private final Object slotMoves = new Object();
    /** Whether virtual threads use their carriers' heaps ({@link #enterCarrierHeap}). */
    private final boolean carrierHeaps;
    /** Taken to make a carrier's heap, so that two of its virtual threads never make two. */
    private final ReentrantLock carrierHeapsMade = new ReentrantLock();
    /** Held by a forced pass acting as a carrier heap's owner, and to reap one: never two at once. */
    private final ReentrantLock carrierHolds = new ReentrantLock();
    /** Carriers (by thread id) whose two slots live threads held: their virtual threads borrow stripes. */
    private final Set<Long> carriersWithoutSlot = ConcurrentHashMap.newKeySet();
    private final int[] provisionedClasses;
    private final List<Heap> heaps = new ArrayList<>();          // guarded by itself
    private final List<List<Page>> orphans = new ArrayList<>();  // per class; guarded by itself
    /** {@link Page#lastFreer} of an orphan no thread has freed into yet (thread ids are positive). */
    static final long NO_FREER = 0;
    /** Orphans with room looked at for one the thread freed into, past the first: the lock is everyone's. */
    private static final int ORPHANS_LOOKED_AT = 64;
    private final java.util.concurrent.atomic.AtomicInteger quarantinedPages = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger discardedBlocks = new java.util.concurrent.atomic.AtomicInteger();
    private int nextHeapId;
    private volatile boolean closed;
    /** Fast-path hits of heaps already reaped, so the statistics count every hit since start. */
    private final java.util.concurrent.atomic.AtomicLong reapedPredictedHits = new java.util.concurrent.atomic.AtomicLong();

    public Engine(String name, SizeClasses classes, int[] provisionedClasses, long purgeDelayNanos, int stripeCount,
                  long memoryLimit) {
        this(name, classes, provisionedClasses, purgeDelayNanos, stripeCount, memoryLimit, true);
    }

    /** @param carrierHeaps whether virtual threads use their carriers' heaps when {@link Carriers} can see them */
    public Engine(String name, SizeClasses classes, int[] provisionedClasses, long purgeDelayNanos, int stripeCount,
                  long memoryLimit, boolean carrierHeaps) {
        this.name = name;
        this.carrierHeaps = carrierHeaps;       // Carriers is asked on the first virtual thread's call, not here:
                                                // linking its handle costs a JVM's first malloc milliseconds
        this.classes = classes;
        this.budget = new MemoryBudget(memoryLimit);
        this.purgeDelayNanos = purgeDelayNanos;
        this.largeBlocks = new LargeBlocks(budget, purgeDelayNanos);
        this.segments = new Segments(purgeDelayNanos, budget, largeBlocks);
        this.extents = new Extents(this, segments, purgeDelayNanos);
        this.provisionedClasses = provisionedClasses.clone();
        for (int c = 0; c < classes.count(); c++) {
            orphans.add(new ArrayList<>());
        }
        this.stripes = new Heap[stripeCount];
        this.stripeCarriers = new long[stripeCount];
        for (int i = 0; i < stripeCount; i++) {
            stripes[i] = register(new Heap(this, newHeapId(), null, true));
        }
        Maintenance.register(this);
    }

    /** Whether blocks of {@code blockSize} bytes are extents (runs of 1 KiB units shared across classes). */
    public static boolean isExtentClass(int blockSize) {
        return Extents.serves(blockSize);
    }

    /** How long free memory stays committed before it goes back to the OS. */
    long purgeDelayNanos() {
        return purgeDelayNanos;
    }

    /** The allocator's name in telemetry: {@code global} for {@code LgMalloc}'s, {@code allocator-N} otherwise. */
    @Override
    public String name() {
        return name;
    }

    public SizeClasses classes() {
        return classes;
    }

    /** The current platform thread's heap when it is in the table: the fast path. Null otherwise. */
    public Heap fastHeap() {
        return fastHeap(slots);
    }

    /**
     * The fast path of {@link #fastHeap()} on a table the caller keeps in a final field of its own, which saves
     * a dependent load on every malloc.
     */
    public static Heap fastHeap(Heap[] table) {
        Thread t = Thread.currentThread();
        long id = t.threadId();
        Heap h = table[firstSlot(id)];
        if (h != null && h.owner == t) {
            return h;
        }
        if (t.isVirtual()) {
            return null;                // never in the table: its carrier's heap is
        }
        h = table[secondSlot(id)];
        return h != null && h.owner == t ? h : null;
    }

    /** A thread's slot: its id modulo the table size, which spreads sequential ids evenly. */
    static int firstSlot(long threadId) {
        return (int) threadId & (SLOT_COUNT - 1);
    }

    /** Its other slot, for when a live thread holds the first: the id's Fibonacci hash, top bits. */
    static int secondSlot(long threadId) {
        return (int) ((threadId * 0x9E3779B97F4A7C15L) >>> (64 - Integer.numberOfTrailingZeros(SLOT_COUNT)));
    }

    /** The thread-id table, for {@link #fastHeap(Heap[])}. */
    public Heap[] slotTable() {
        return slots;
    }

    /** The heap of platform thread {@code t}, created (and pre-provisioned) on first use. */
    public Heap heapOf(Thread t) {
        Heap h = fastHeap();
        return h != null ? h : newHeap(t, true);
    }

    /**
     * The heap of platform thread {@code t} for gathering its frees of other threads' blocks: created without
     * pre-provisioned pages (a thread that only frees needs none), null once the engine is closed.
     */
    Heap freeingHeapOf(Thread t) {
        Heap h = fastHeap();
        return h != null || closed ? h : newHeap(t, false);
    }

    private Heap newHeap(Thread t, boolean provision) {
        checkOpen();
        Heap h = overflow.get();
        if (h != null) {
            return h;
        }
        // Threads that ended since the last maintenance pass leave their pages to this one: under thread turnover
        // a new heap then adopts them instead of mapping fresh pages while the old ones wait to be reaped.
        reapEndedThreads();
        h = new Heap(this, newHeapId(), t, false);
        if (provision) {
            for (int sizeClass : provisionedClasses) {
                h.provision(sizeClass);
            }
        }
        register(h);
        if (!takeSlots(h, t)) {
            overflow.set(h);                // live threads hold both, and neither can move
        }
        return h;
    }

    /** Puts {@code h}, the new heap of {@code t}, in one of {@code t}'s two slots; false when neither can be had. */
    private boolean takeSlots(Heap h, Thread t) {
        int[] mine = {firstSlot(t.threadId()), secondSlot(t.threadId())};
        // A few rounds: a slot may come free meanwhile (its thread ended, its holder moved) while a move fails.
        for (int round = 0; round < 4; round++) {
            for (int slot : mine) {
                if (takeFreeSlot(slot, h)) {
                    return true;
                }
            }
            for (int slot : mine) {
                if (moveHolderAside(slot, h)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Puts {@code h} in {@code slot} if no live thread holds it (reaping the dead heap it replaces). */
    private boolean takeFreeSlot(int slot, Heap h) {
        while (true) {
            Heap old = slots[slot];
            if (holdsLive(old)) {
                return false;
            }
            if (SLOTS.compareAndSet(slots, slot, old, h)) {
                if (old != null) {
                    reap(old);
                }
                return true;
            }
        }
    }

    /** Whether {@code h} is the heap of a thread that is still alive (so its slot is taken). */
    private static boolean holdsLive(Heap h) {
        return h != null && !h.abandoned.get() && h.owner != null && !ended(h);
    }

    /**
     * Whether the thread of {@code h}, a thread's or a carrier's heap, ended and left it to be reaped. A carrier's
     * heap waits while a virtual thread that parked inside it finishes on another carrier; once the carrier
     * ended, no thread can enter it again.
     */
    private static boolean ended(Heap h) {
        return !h.owner.isAlive() && !(h.ofCarrier && h.carrierBusy());
    }

    /**
     * Gives {@code newcomer}, whose two slots live threads hold, the slot {@code slot}: its holder moves to the
     * other of its own two slots if that one is free or a dead thread's (cuckoo hashing, one step). Without
     * this, one thread in (live threads / slots)² would use a heap of its own only through the slow path, for
     * its whole life. The holder is in its other slot before it leaves this one, so its fast path finds it all
     * along. Moves take {@link #slotMoves}: only they take a live thread's heap out of a slot, and two of them at
     * once could each take the holder out of one of its two slots, leaving it in neither. Rare (a new thread
     * whose two slots are both held), so the lock costs nothing that matters.
     */
    private boolean moveHolderAside(int slot, Heap newcomer) {
        synchronized (slotMoves) {
            Heap holder = slots[slot];
            if (!holdsLive(holder)) {
                return false;               // free now, or a dead thread's: the caller's next round takes it
            }
            long id = holder.owner.threadId();
            int other = slot == firstSlot(id) ? secondSlot(id) : firstSlot(id);
            if (other == slot) {
                return false;
            }
            Heap there = slots[other];
            if (there != holder) {
                if (holdsLive(there) || !SLOTS.compareAndSet(slots, other, there, holder)) {
                    return false;           // its other slot is taken too
                }
                if (there != null) {
                    reap(there);
                }
            }
            return SLOTS.compareAndSet(slots, slot, holder, newcomer);
        }
    }

    /**
     * The heap of the current virtual thread's carrier, entered ({@link Heap#enterAsCarrier}) for one malloc, free,
     * or take or return of its spare arena chunk: leave it with {@link Heap#leaveAsCarrier}. Null, and the caller
     * borrows a stripe, when lgmalloc may not see carriers ({@link Carriers}), when the carrier has no heap yet (it
     * gets one here, for its next calls), or when another virtual thread parked inside it. No lock and no atomic
     * update: only the virtual threads mounted on a carrier use its heap, and they run one at a time.
     */
    public Heap enterCarrierHeap() {
        if (!carrierHeaps || !Carriers.available()) {
            return null;
        }
        Thread carrier = Carriers.current();
        Heap h = heapIn(slots, carrier);
        if (h == null) {
            if (!carriersWithoutSlot.contains(carrier.threadId())) {
                // Not used for this call: making it may park (its locks), and a parked thread may wake elsewhere.
                makeCarrierHeap(carrier);
            }
            return null;
        }
        return h.ofCarrier && h.enterAsCarrier() ? h : null;
    }

    /**
     * {@code t}'s heap when it is in one of its two slots of {@code table}, else null. With acquire loads: a carrier's
     * heap was made and published by another thread (free on x86, where they are plain loads).
     */
    private static Heap heapIn(Heap[] table, Thread t) {
        long id = t.threadId();
        Heap h = (Heap) SLOTS.getAcquire(table, firstSlot(id));
        if (h != null && h.owner == t) {
            return h;
        }
        h = (Heap) SLOTS.getAcquire(table, secondSlot(id));
        return h != null && h.owner == t ? h : null;
    }

    /**
     * Gives {@code carrier} a heap in the table, unless it has one (another of its virtual threads made it while
     * this one waited for the lock) or no slot can be had, in which case its virtual threads keep borrowing stripes.
     */
    private void makeCarrierHeap(Thread carrier) {
        carrierHeapsMade.lock();
        try {
            checkOpen();
            if (heapIn(slots, carrier) != null || carriersWithoutSlot.contains(carrier.threadId())) {
                return;
            }
            Heap h = new Heap(this, newHeapId(), carrier, false, true);
            for (int sizeClass : provisionedClasses) {
                h.provision(sizeClass);
            }
            register(h);
            if (!takeSlots(h, carrier)) {
                carriersWithoutSlot.add(carrier.threadId());
                reap(h);                      // never used: its provisioned pages go back
            }
        } finally {
            carrierHeapsMade.unlock();
        }
    }

    /**
     * Borrows a stripe heap for a virtual thread; give it back with {@link #releaseStripe}. A free stripe is taken
     * with a try-lock; when all are busy the thread waits on its home stripe's lock, parked. It never spins: a
     * spinning virtual thread holds its carrier, and with hundreds of them spinning the stripe holders (parked on
     * a lock inside the allocator) were never scheduled again.
     */
    public Heap acquireStripe(Thread t) {
        checkOpen();
        int n = stripes.length;
        long carrier = Os.currentOsThread();
        int home = carrier != 0 ? carrierStripe(carrier) : homeStripe(t.threadId(), n);
        for (int i = 0, k = home; i < n; i++, k = k + 1 == n ? 0 : k + 1) {
            Heap s = stripes[k];
            if (s.stripeLock.tryLock()) {
                return lent(s, t);
            }
        }
        Heap s = stripes[home];
        s.stripeLock.lock();
        return lent(s, t);
    }

    /** A stripe whose lock {@code t} now holds, marked as {@code t}'s and as used since the last pass. */
    private static Heap lent(Heap stripe, Thread t) {
        stripe.owner = t;
        stripe.stripeUses++;
        return stripe;
    }

    /**
     * A thread's home stripe of {@code n}: the id's Fibonacci hash scaled to {@code n} by a multiply, not a
     * division (two integer divisions here, {@code %} and {@code floorMod}, were a third of a virtual thread's
     * malloc).
     */
    static int homeStripe(long threadId, int n) {
        return (int) (((threadId * 0x9E3779B97F4A7C15L) >>> 32) * n >>> 32);
    }

    /**
     * The stripe of the carrier {@code carrier} (an OS thread): the one it claimed on its first malloc, so that
     * the virtual threads it runs one after another keep using one stripe, warm in its core's cache, instead of
     * each its own. When every stripe is claimed (more carriers than stripes), the carrier's hash picks one.
     */
    private int carrierStripe(long carrier) {
        long[] claims = stripeCarriers;
        int n = claims.length;
        int start = homeStripe(carrier, n);
        for (int i = 0, k = start; i < n; i++, k = k + 1 == n ? 0 : k + 1) {
            long claim = claims[k];
            if (claim == carrier) {
                return k;
            }
            if (claim == 0 && STRIPE_CARRIERS.compareAndSet(claims, k, 0L, carrier)) {
                return k;
            }
        }
        return start;
    }

    /**
     * Clears the claims of stripes that no virtual thread took since the last pass: their carrier may have ended
     * (the scheduler retires idle carriers), and a new carrier should find a stripe to claim. A live carrier that
     * comes back claims one again, with one CAS.
     */
    private void releaseIdleCarrierClaims() {
        for (int i = 0; i < stripes.length; i++) {
            Heap s = stripes[i];
            int uses = s.stripeUses;          // racy: a count the holders write
            if (uses == s.stripeUsesSeen && stripeCarriers[i] != 0) {
                STRIPE_CARRIERS.setOpaque(stripeCarriers, i, 0L);
            }
            s.stripeUsesSeen = uses;
        }
    }

    /** The carrier that claimed each stripe, 0 for none (racy: for tests and statistics). */
    long[] stripeCarriers() {
        return stripeCarriers.clone();
    }

    public void releaseStripe(Heap stripe) {
        stripe.owner = null;
        stripe.stripeLock.unlock();
    }

    /** Bytes held in pages and large blocks: what a memory limit applies to. */
    public long usedBytes() {
        return budget.used();
    }

    /** The most bytes held in pages and large blocks at once since the engine was made. */
    public long peakUsedBytes() {
        return budget.peak();
    }

    /** Whether the memory limit (not the OS) is what refuses a request of {@code size} bytes now. */
    public boolean limitRefuses(long size) {
        int sizeClass = classes.classOf(size);
        long needed;
        if (sizeClass < 0) {
            needed = LargeBlocks.mappingSize(size);
        } else {
            int blockSize = classes.blockSize(sizeClass);
            int chunks = Extents.serves(blockSize) ? Extents.PAGE_CHUNKS : Segments.chunksFor(blockSize);
            needed = (long) chunks << PageMap.CHUNK_SHIFT;   // an extent takes a whole extent page when none has room
        }
        return budget.refuses(needed);
    }

    /** Maps a large block; 0 when the OS has no memory left. */
    public long mapLarge(long size, long alignment) {
        checkOpen();
        return largeBlocks.map(size, alignment);
    }

    /** Maps a large block whose bytes are all zero, without writing them; 0 when the OS has no memory left. */
    public long mapLargeZeroed(long size, long alignment) {
        checkOpen();
        return largeBlocks.map(size, alignment, true);
    }

    /**
     * Gives every byte back to the OS: every segment and large block is unmapped, live blocks included, and the
     * engine leaves the maintenance thread and the thread-id table, so nothing reaches it any more. Afterwards an
     * allocation throws {@link IllegalStateException} and a free of one of its blocks is refused as a foreign
     * pointer. No thread may use the engine while it closes.
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Maintenance.unregister(this);
        // A pass holding a carrier's heap (which may free its spare into a page) finishes before the pages are
        // unmapped; the holds after it see the engine closed.
        carrierHolds.lock();
        try {
            for (int i = 0; i < slots.length; i++) {
                SLOTS.setVolatile(slots, i, (Heap) null);
            }
            synchronized (heaps) {
                heaps.clear();
            }
            synchronized (orphans) {
                for (List<Page> list : orphans) {
                    list.clear();
                }
            }
            extents.closeAll();
            segments.closeAll();
        } finally {
            carrierHolds.unlock();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("allocator " + name + " is closed");
        }
    }

    private int newHeapId() {
        synchronized (heaps) {
            return nextHeapId++;
        }
    }

    private Heap register(Heap h) {
        synchronized (heaps) {
            heaps.add(h);
        }
        return h;
    }

    /**
     * A page for {@code sizeClass}: an orphaned one with room if there is one, else a fresh one. Among orphans, first
     * one whose last free came from {@code heap}'s thread: when threads end and others take over their data (larson's
     * generations), the first new thread that needed pages took whichever orphans came first, including those whose
     * blocks the other new thread went on to free; that one then filled fresh pages while the first one's extra
     * pages emptied (91 against 48 pages at a generation's start, 10-16 pages more than the steady state for some
     * hundred milliseconds).
     */
    Page acquirePage(Heap heap, int sizeClass) {
        checkOpen();
        synchronized (orphans) {
            Page adopted = adoptOrphan(heap, orphans.get(sizeClass));
            if (adopted != null) {
                return adopted;
            }
        }
        return segments.acquire(heap, sizeClass, classes.blockSize(sizeClass));
    }

    /**
     * Takes for {@code heap} the last orphan of {@code list} with room that its thread freed into last, else the last
     * with room; on the way, drops orphans that are empty or corrupted. Null when none has room. Caller holds the
     * orphans.
     */
    private Page adoptOrphan(Heap heap, List<Page> list) {
        long freer = heap.owner == null ? -1 : heap.owner.threadId();      // -1: no thread, no preference
        int chosen = -1;
        int lookAhead = ORPHANS_LOOKED_AT;
        for (int i = list.size() - 1; i >= 0 && lookAhead > 0; i--) {
            Page p = list.get(i);
            if (droppedOrphan(list, i)) {
                chosen -= chosen > i ? 1 : 0;
            } else if (p.free != 0 || p.bump + p.blockSize <= p.end) {
                if (chosen < 0) {
                    chosen = i;
                } else {
                    lookAhead--;
                }
                if (p.lastFreer == freer) {
                    chosen = i;
                    break;
                }
            }
        }
        if (chosen < 0) {
            return null;
        }
        Page p = list.remove(chosen);
        p.state = Page.IN_HEAP;
        p.heap = heap;
        return p;
    }

    /**
     * Collects the remote frees of orphan {@code i} of {@code list} and drops it when its list of them is corrupted
     * (quarantined) or it is empty (released); whether it was dropped. Caller holds the orphans.
     */
    private boolean droppedOrphan(List<Page> list, int i) {
        Page p = list.get(i);
        if (Heap.collect(p) < 0) {
            list.remove(i);
            quarantine(p, "its list of blocks freed by other threads");
            return true;
        }
        if (p.used == 0) {
            list.remove(i);
            segments.release(p);
            return true;
        }
        return false;
    }

    /** Takes a page whose heap is gone: released if empty, else kept where any thread can still free into it. */
    void orphan(Page page) {
        synchronized (orphans) {
            if (Heap.collect(page) < 0) {
                quarantine(page, "its list of blocks freed by other threads");
                return;
            }
            if (page.used == 0) {
                segments.release(page);
                return;
            }
            page.heap = Heap.NO_OWNER;
            page.lastFreer = NO_FREER;      // a freer of an earlier time it was an orphan says nothing now
            page.state = Page.ORPHANED;
            orphans.get(page.sizeClass).add(page);
        }
    }

    /**
     * Takes {@code page} out of use for good: a corrupted free list means some of its blocks may be handed out
     * twice, so none is handed out again and the page is never released (its memory stays mapped, so a program
     * still holding its blocks can use and free them). Allocation goes on from other pages; the program bug that
     * caused it (a write into a freed block, or one block freed twice at once) is reported once, as a warning.
     * Run by whoever holds the page.
     */
    /**
     * Drops a block a thread kept after freeing it ({@link RemoteFreeCache}) and found written to: it is never
     * handed out again. Its page counts it live, so the page stays (one page at most per such block).
     */
    void discardWrittenBlock(long address) {
        if (discardedBlocks.incrementAndGet() == 1) {     // the first one only: a buggy program may write many
            System.getLogger("dev.lgmalloc").log(System.Logger.Level.WARNING, String.format("lgmalloc: the freed "
                    + "block at 0x%x of allocator %s was written to after its free; it is never reused (further ones "
                    + "are counted in statistics().discardedBlocks())", address, name));
        }
    }

    void quarantine(Page page, String where) {
        page.state = Page.QUARANTINED;
        page.heap = Heap.NO_OWNER;
        page.full = false;
        quarantinedPages.incrementAndGet();
        System.getLogger("dev.lgmalloc").log(System.Logger.Level.WARNING, String.format("lgmalloc: the %d-byte "
                + "page at 0x%x of allocator %s is corrupted (%s): a freed block was written to, or freed twice at "
                + "once; the page is quarantined (never reused) and allocation goes on from other pages",
                page.blockSize, page.start, name, where));
    }

    private void reap(Heap h) {
        if (h.ofCarrier) {
            carrierHolds.lock();            // not while a pass holds it (holdCarrierHeap)
            try {
                abandon(h);
            } finally {
                carrierHolds.unlock();
            }
        } else {
            abandon(h);
        }
    }

    private void abandon(Heap h) {
        // Held while the pages go back: a second reaper (a new thread's heap beside a maintenance pass) waits for the
        // first, then finds them among the orphans instead of mapping a fresh page (ConcurrencyTest, now and then).
        synchronized (h.abandoned) {
            if (h.abandoned.compareAndSet(false, true)) {
                try {
                    h.abandon();
                } finally {
                    // Listed until its blocks are back: a trim that races this reaper finds the heap, and waits above
                    // for it, instead of releasing pages while the ended thread's gathered frees are still on the way.
                    synchronized (heaps) {
                        heaps.remove(h);
                        reapedPredictedHits.addAndGet(h.predictedHits);     // its thread ended: the count is final
                    }
                }
            }
        }
    }

    /**
     * Background work: reclaims the heaps of threads that ended, releases pages whose blocks other threads freed
     * (orphaned ones, and those of heaps whose owner lives but does not allocate), and returns memory free for
     * longer than the purge delay to the OS. With {@code force} (trim), the delay is ignored and the current pages
     * of idle virtual-thread stripes are released too when empty.
     */
    public void maintain(boolean force) {
        Heap mine = fastHeap();
        if (mine != null) {
            mine.deferredFrees.flush(); // trim, or an allocation the limit refused: first this thread's gathered frees
            mine.remoteFrees.flush();   // and the blocks it keeps
            if (force) {
                mine.extentCache.flush(extents);
            }
        }
        reapEndedThreads();
        List<Heap> live;
        synchronized (heaps) {
            live = new ArrayList<>(heaps);
        }
        if (force) {
            freeCarrierSpares(live);    // first: their chunks go back to pages that this pass then collects
        }
        synchronized (orphans) {
            for (List<Page> list : orphans) {
                for (int i = list.size() - 1; i >= 0; i--) {
                    droppedOrphan(list, i);
                }
            }
        }
        for (Heap h : live) {
            if (h.striped) {
                // trim() waits for a stripe in use (a virtual thread holds one for one malloc, or the maintenance
                // thread for its pass): with a try-lock, a trim racing the maintenance thread left a stripe's
                // current pages committed (seen once in eight stress runs, 9.7 MB). The timed pass only tries.
                if (force) {
                    h.stripeLock.lock();
                } else if (!h.stripeLock.tryLock()) {
                    continue;
                }
                try {
                    h.reclaim(force, force);
                } finally {
                    h.stripeLock.unlock();
                }
            } else if (h.ofCarrier && (force || h.idleAsCarrier())) {
                holdCarrierHeap(h, force);
            } else if (!h.abandoned.get()) {
                h.reclaim(force, false);
            }
        }
        releaseIdleCarrierClaims();
        extents.maintain(force);
        segments.purge(force);
    }

    /**
     * Frees the spare arena chunk of every carrier's heap that can be held, for a trim: a carrier keeps the chunk
     * its virtual threads' last arena left, which may lie in another carrier's page. Done before the pass proper,
     * which then finds those pages empty, whatever order it visits the heaps in.
     */
    private void freeCarrierSpares(List<Heap> live) {
        for (Heap h : live) {
            if (!h.ofCarrier) {
                continue;
            }
            carrierHolds.lock();
            try {
                if (!closed && !h.abandoned.get() && h.arenaChunk != 0 && h.holdAsCarrier()) {
                    try {
                        h.freeArenaChunk();
                    } finally {
                        h.releaseAsCarrier();
                    }
                }
            } finally {
                carrierHolds.unlock();
            }
        }
    }

    /**
     * A pass that holds a carrier's heap as its owner, to return what the carrier's virtual threads left in it:
     * the carrier outlives them, and its current pages, cached extents and spare arena chunk would stay committed
     * until it ends. A trim does it every time, the timed pass once a heap went a pass without virtual threads
     * ({@link Heap#idleAsCarrier}). With a virtual thread inside, only what other threads emptied, as for any
     * heap. Under {@link #carrierHolds}: two passes (or a pass and the reaper of a retired carrier) must not both
     * act as the heap's owner.
     */
    private void holdCarrierHeap(Heap h, boolean force) {
        // The timed pass only tries: the lock's holder may be a virtual thread parked in a trim, and the one
        // maintenance thread serves every engine.
        if (force) {
            carrierHolds.lock();
        } else if (!carrierHolds.tryLock()) {
            h.reclaim(false, false);
            return;
        }
        try {
            if (closed || h.abandoned.get()) {
                return;
            }
            if (h.holdAsCarrier()) {
                try {
                    h.extentCache.flush(extents);
                    h.freeArenaChunk();                // pushed to its page, which the reclaim then collects
                    h.reclaim(true, true);
                    h.heldAsCarrier();
                } finally {
                    h.releaseAsCarrier();
                }
            } else {
                h.reclaim(force, false);
            }
        } finally {
            carrierHolds.unlock();
        }
    }

    /** Pages taken out of use because their free lists were found corrupted. */
    public int quarantinedPages() {
        return quarantinedPages.get();
    }


    /** Orphans the pages of every heap whose platform thread has ended. */
    private void reapEndedThreads() {
        List<Heap> dead = new ArrayList<>();
        synchronized (heaps) {
            for (Heap h : heaps) {
                if (!h.striped && h.owner != null && ended(h)) {
                    dead.add(h);
                }
            }
        }
        for (Heap h : dead) {
            SLOTS.compareAndSet(slots, firstSlot(h.owner.threadId()), h, null);
            SLOTS.compareAndSet(slots, secondSlot(h.owner.threadId()), h, null);
            reap(h);
        }
    }

    /**
     * What of the allocator's memory is resident, by kind: the ranges are listed under the locks, then the kernel
     * is asked about them outside, so a range released meanwhile counts as it is then.
     */
    public AllocatorResidency residency() {
        long[] bytes = new long[3];
        for (long[] range : segments.ranges()) {
            bytes[(int) range[2]] += Os.residentBytes(range[0], range[1]);
        }
        long large = 0;
        for (long[] mapping : largeBlocks.mappings()) {
            large += Os.residentBytes(mapping[0], mapping[1]);
        }
        return new AllocatorResidency(bytes[Segments.CLASS_PAGES], bytes[Segments.EXTENT_PAGES],
                bytes[Segments.FREE_CHUNKS], large);
    }

    /** A snapshot of the allocator's memory; exact when no other thread is allocating or freeing. */
    @Override
    public AllocatorStatistics statistics() {
        int n = classes.count();
        int[] pages = new int[n];
        long[] capacity = new long[n];
        long[] live = new long[n];
        Map<Heap, long[]> perHeap = new HashMap<>();
        List<Heap> heapList;
        long predictedHits;
        synchronized (heaps) {
            heapList = new ArrayList<>(heaps);
            predictedHits = reapedPredictedHits.get();
        }
        segments.forEachPage(p -> {
            if (p.state == Page.QUARANTINED || p.units != null) {
                return;                   // extent pages are counted below
            }
            long liveBlocks = Math.max(0, p.used - p.pendingRemoteFrees());
            pages[p.sizeClass]++;
            capacity[p.sizeClass] += p.capacity();
            live[p.sizeClass] += liveBlocks;
            long[] h = perHeap.computeIfAbsent(p.heap, k -> new long[3]);
            h[0]++;
            h[1] += liveBlocks;
            h[2] += liveBlocks * p.blockSize;
        });
        for (Heap h : heapList) {
            // A thread's spare arena chunk is the allocator's, not the program's: not live.
            Page p = h.arenaChunk == 0 ? null : PageMap.lookup(h.arenaChunk);
            if (p != null && !p.isLarge()) {
                notLive(p, 1, live, perHeap);
            }
            // Nor are the blocks a thread freed and has not handed to their page yet, or keeps.
            h.deferredFrees.forEachChain((page, count) -> notLive(page, count, live, perHeap));
            h.remoteFrees.forEach(block -> {
                Page kept = PageMap.lookup(block);
                if (kept != null && kept.sizeClass >= 0) {
                    notLive(kept, 1, live, perHeap);
                }
            });
        }
        // Extent blocks have no pages of their class: a class's capacity there is its live blocks.
        long[] extentLive = new long[n];
        long[] extentTotals = extents.countLive(extentLive);
        for (Heap h : heapList) {
            h.extentCache.uncount(extentLive, extentTotals);    // freed blocks a thread keeps: not live either
            h.deferredFrees.uncountExtents(extentLive, extentTotals, classes);  // nor those another thread gathered
        }
        List<ClassStatistics> classStats = new ArrayList<>();
        long liveBytes = extentTotals[1];
        long liveBlocks = extentTotals[0];
        for (int c = 0; c < n; c++) {
            if (pages[c] > 0 || extentLive[c] > 0) {
                classStats.add(new ClassStatistics(c, classes.blockSize(c), classes.isExact(c), pages[c],
                        capacity[c] + extentLive[c], live[c] + extentLive[c]));
            }
            liveBytes += live[c] * classes.blockSize(c);
            liveBlocks += live[c];
        }
        List<HeapStatistics> heapStats = new ArrayList<>();
        for (Heap h : heapList) {
            predictedHits += h.predictedHits;
            long[] s = perHeap.getOrDefault(h, new long[3]);
            heapStats.add(new HeapStatistics(h.id, h.striped ? "stripe-" + h.id : describe(h.owner),
                    h.striped ? HeapStatistics.Kind.VIRTUAL_THREAD_STRIPE
                            : h.ofCarrier ? HeapStatistics.Kind.CARRIER : HeapStatistics.Kind.THREAD,
                    (int) s[0], s[1], s[2]));
        }
        if (extentTotals[2] > 0) {
            heapStats.add(new HeapStatistics(-2, "extent pages of every heap (blocks of 8 KiB and more)",
                    HeapStatistics.Kind.EXTENTS, (int) extentTotals[2], extentTotals[0], extentTotals[1]));
        }
        long[] orphaned = perHeap.getOrDefault(Heap.NO_OWNER, new long[3]);
        if (orphaned[0] > 0) {
            heapStats.add(new HeapStatistics(-1, "orphaned pages of ended threads", HeapStatistics.Kind.ORPHANED,
                    (int) orphaned[0], orphaned[1], orphaned[2]));
        }
        long[] footprint = segments.footprint();
        long largeBytes = largeBlocks.liveBytes();
        long largeCount = largeBlocks.liveCount();
        long cached = largeBlocks.cachedBytes();
        return new AllocatorStatistics(liveBytes + largeBytes, liveBlocks + largeCount,
                footprint[1] + largeBytes + cached, footprint[0] + largeBytes + cached, (int) footprint[2], largeCount,
                largeBytes, heapList.size(), predictedHits, classStats, heapStats, quarantinedPages.get(),
                discardedBlocks.get());
    }

    /** Takes {@code blocks} blocks of {@code page} off the live counts statistics gathered from the pages. */
    private static void notLive(Page page, int blocks, long[] live, Map<Heap, long[]> perHeap) {
        int n = (int) Math.min(blocks, live[page.sizeClass]);
        live[page.sizeClass] -= n;
        long[] of = perHeap.get(page.heap);
        if (of != null) {
            long m = Math.min(n, of[1]);
            of[1] -= m;
            of[2] -= m * page.blockSize;
        }
    }

    private static String describe(Thread t) {
        return t == null ? "none" : t.getName() + " (id " + t.threadId() + ")";
    }
}
