package dev.lgmalloc.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lgmalloc.Allocator;
import dev.lgmalloc.AllocatorConfiguration;
import dev.lgmalloc.AllocatorStatistics;
import dev.lgmalloc.InvalidFreeException;
import dev.lgmalloc.SizeClasses;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Blocks of 8 KiB and more are runs of 1 KiB units in extent pages, each one heap's: freed memory serves any
 * size, frees are checked exactly, memory that stays free goes back to the OS. A thread keeps a few blocks it
 * freed in its {@link ExtentCache}; tests about the pages free on another thread, which goes to the page's remote
 * list, and take the list in as the maintenance pass does.
 */
class ExtentsTest {

    private static final long PAGE = (long) Units.COUNT << Units.UNIT_SHIFT;

    private static Allocator allocator() {
        return Allocator.create(AllocatorConfiguration.defaults());
    }

    private static long nonZeroBytes(long address, long size) {
        MemorySegment s = Memory.segment(address, size);
        long n = 0;
        for (long i = 0; i < size; i++) {
            n += s.get(JAVA_BYTE, i) != 0 ? 1 : 0;
        }
        return n;
    }

    private static int extentPages(Allocator allocator) {
        return allocator.statistics().heapDetails().stream()
                .filter(h -> h.kind() == AllocatorStatistics.HeapStatistics.Kind.EXTENTS)
                .mapToInt(AllocatorStatistics.HeapStatistics::pages).sum();
    }

    /**
     * Frees {@code address} from another thread, so it goes to its page rather than this thread's cache, and has the
     * page take it in as the maintenance pass would.
     */
    private static void freeIntoPage(Allocator allocator, long address) {
        Page page = PageMap.lookup(address);
        try {
            assertThat(onAnotherThread(address, () -> allocator.free(address))).isNull();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        page.units.extents.takeRemoteFrees(page);
    }

    /** Whether {@code thread} is blocked on entering {@code lock}'s monitor. */
    private static boolean waitsFor(Thread thread, Object lock) {
        ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(thread.threadId());
        return info != null && info.getThreadState() == Thread.State.BLOCKED && info.getLockInfo() != null
                && info.getLockInfo().getIdentityHashCode() == System.identityHashCode(lock);
    }

    /**
     * Runs {@code free} on another thread, which then hands the frees it gathered of {@code block}'s allocator
     * ({@link DeferredFrees}) to their pages, as its next slow path would; returns what {@code free} threw, or null.
     */
    private static Throwable onAnotherThread(long block, Runnable free) throws InterruptedException {
        Engine engine = PageMap.lookup(block).heap.engine;
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread.ofPlatform().start(() -> {
            thrown.set(catchThrowable(free::run));
            engine.freeingHeapOf(Thread.currentThread()).deferredFrees.flush();
        }).join();
        return thrown.get();
    }

    @Test
    void aCachedExtentGoesOutThroughMallocsPop() {
        try (Allocator allocator = allocator()) {
            long block = allocator.malloc(8 * 1024);
            allocator.free(block);                               // kept in this thread's cache
            Heap heap = PageMap.lookup(block).heap;
            int sizeClass = allocator.sizeClasses().classOf(8 * 1024);
            Page list = heap.current[sizeClass];
            assertThat(list.isCacheList()).as("the class's current page is its list of cached extents").isTrue();
            assertThat(list.free).isEqualTo(block);
            assertThat(heap.malloc(sizeClass)).as("the block malloc's pop takes").isEqualTo(block);
            assertThat(Memory.getLong(block)).as("its link, zeroed as it went out").isZero();
            assertThat(list.free).isZero();
            allocator.free(block);
        }
    }

    @Test
    void aWriteIntoACachedExtentIsCaughtAtItsPopAndTheBlockIsNeverHandedOutAgain() {
        try (Allocator allocator = allocator()) {
            long a = allocator.malloc(8 * 1024);
            long b = allocator.malloc(8 * 1024);
            allocator.free(a);
            allocator.free(b);                                   // the list: b, then a
            Memory.putLong(b, Page.encode(1, b));                // the program writes into b after freeing it
            long next = allocator.malloc(8 * 1024);
            assertThat(next).as("not the written block, nor where its link points").isNotIn(a, b, 1L);
            assertThat(allocator.usableSize(next)).isEqualTo(8 * 1024);
            assertThat(allocator.statistics().discardedBlocks()).isOne();
            allocator.free(next);
        }
    }

    @Test
    void aBlockTheUnitsHandOutHasItsFirstWordClearedSoOldMemoryDoesNotPassForACachedOne() {
        try (Allocator allocator = allocator()) {
            long block = allocator.malloc(8 * 1024);
            freeIntoPage(allocator, block);
            // What the units held before, as a small page's free list can leave it: a cached extent's first word
            Memory.putLong(block, Page.encode(0, block));
            long again = allocator.malloc(8 * 1024);
            assertThat(again).as("the same units, first fit").isEqualTo(block);
            assertThat(Memory.getLong(again)).isZero();
            freeIntoPage(allocator, again);                      // a live block: another thread frees it
            assertThat(allocator.statistics().liveBlocks()).isZero();
        }
    }

    @Test
    void freedBlocksMergeAndServeOtherSizes() {
        try (Allocator allocator = allocator()) {
            long a = allocator.malloc(12 * 1024);
            long b = allocator.malloc(12 * 1024);
            long c = allocator.malloc(12 * 1024);
            assertThat(b).isEqualTo(a + 12 * 1024);              // first fit, packed (1 KiB units)
            assertThat(allocator.usableSize(a)).isEqualTo(12 * 1024);
            freeIntoPage(allocator, a);
            freeIntoPage(allocator, b);
            long merged = allocator.malloc(20_000);              // another class, in the two freed blocks' units
            assertThat(merged).isEqualTo(a);
            assertThat(allocator.usableSize(merged)).isEqualTo(20 * 1024);
            long after = allocator.malloc(8 * 1024);             // too big for the 4 units left before c
            assertThat(after).isGreaterThan(c);
            allocator.free(merged);
            allocator.free(after);
            allocator.free(c);
            assertThat(allocator.statistics().liveBlocks()).isZero();
        }
    }

    @Test
    void allocationTakesTheLowestPageThatFits() {
        try (Allocator allocator = allocator()) {
            long block = PAGE / 16;                              // 16 to a page: 32 fill two pages
            long[] blocks = new long[32];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(block);
            }
            Page first = PageMap.lookup(blocks[0]);
            Page second = PageMap.lookup(blocks[31]);
            assertThat(second).isNotSameAs(first);
            Page low = first.start < second.start ? first : second;
            Page high = low == first ? second : first;
            int lowStart = low == first ? 0 : 16;
            int highStart = 16 - lowStart;
            freeIntoPage(allocator, blocks[lowStart + 5]);       // one block's hole in the low page
            for (int i = 5; i < 8; i++) {
                freeIntoPage(allocator, blocks[highStart + i]);  // three blocks' hole in the high page
            }
            long big = allocator.malloc(2 * block);              // fits only the high page's hole
            assertThat(PageMap.lookup(big)).isSameAs(high);
            long small = allocator.malloc(block / 2);            // fits both holes
            assertThat(PageMap.lookup(small)).as("first fit in address order, not in the page used last")
                    .isSameAs(low);
            assertThat(small).isEqualTo(blocks[lowStart + 5]);
            allocator.free(big);
            allocator.free(small);
            for (int i = 0; i < blocks.length; i++) {
                if (i != lowStart + 5 && (i < highStart + 5 || i >= highStart + 8)) {
                    allocator.free(blocks[i]);
                }
            }
            assertThat(allocator.statistics().liveBlocks()).isZero();
        }
    }

    /**
     * Fills three pages with blocks of 64 KiB (a class the cache does not stock) and puts two in a fourth: the
     * fourth page's first block gives the heap a new set of pages (every walk starting at the first), and its second
     * block's walk passes the three full pages, so that walks for that size start past them ({@link ExtentPages}).
     */
    private static long[] fillThreePagesAndStartAFourth(Allocator allocator) {
        long[] blocks = new long[14];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = allocator.malloc(PAGE / 4);
        }
        assertThat(PageMap.lookup(blocks[12]).start).as("the thirteenth block opens a fourth page, the highest")
                .isGreaterThan(PageMap.lookup(blocks[0]).start).isGreaterThan(PageMap.lookup(blocks[11]).start);
        assertThat(PageMap.lookup(blocks[13])).isSameAs(PageMap.lookup(blocks[12]));
        return blocks;
    }

    /** Four pages full of 64 KiB blocks (a class the cache does not stock). */
    private static long[] fourFullPages(Allocator allocator) {
        long[] blocks = new long[16];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = allocator.malloc(PAGE / 4);
        }
        return blocks;
    }

    @Test
    void aPageThatGainsRoomBelowWhereTheWalkStartsIsFoundFirst() {
        try (Allocator allocator = allocator()) {
            long[] blocks = fillThreePagesAndStartAFourth(allocator);
            long lowest = Arrays.stream(blocks).min().orElseThrow();
            freeIntoPage(allocator, lowest);
            assertThat(allocator.malloc(PAGE / 4)).as("first fit: the freed block of the lowest page, not the fourth "
                    + "page's room").isEqualTo(lowest);
        }
    }

    @Test
    void aPageWithARemoteListBelowWhereTheWalkStartsIsFoundFirst() throws InterruptedException {
        try (Allocator allocator = allocator()) {
            long[] blocks = fillThreePagesAndStartAFourth(allocator);
            long freed = Arrays.stream(blocks).min().orElseThrow();
            synchronized (PageMap.lookup(freed).units.extents.purgeLock) {   // no pass takes the list in meanwhile
                assertThat(onAnotherThread(freed, () -> allocator.free(freed))).isNull();   // onto the remote list
                assertThat(PageMap.lookup(freed).threadFree).isNotZero();
                assertThat(allocator.malloc(PAGE / 4)).as("the block another thread freed, as it is").isEqualTo(freed);
            }
        }
    }

    @Test
    void aPageHiddenBelowTheWalksStartIsFoundBeforeAFreshPageIsMapped() {
        try (Allocator allocator = allocator()) {
            long[] blocks = fourFullPages(allocator);
            long lowest = Arrays.stream(blocks).min().orElseThrow();
            freeIntoPage(allocator, lowest);
            // A walk that raced with that free raises the start past every page, as a lost lowering would leave it
            ExtentPages pages = PageMap.lookup(lowest).heap.extentPages;
            int bin = FreeRuns.binOf(Units.unitsFor((int) (PAGE / 4)));
            pages.passed(bin, pages.start(bin), pages.size(), pages.lowerings());
            assertThat(allocator.malloc(PAGE / 4)).isEqualTo(lowest);
            assertThat(extentPages(allocator)).as("no fresh page while one below the start has room").isEqualTo(4);
        }
    }

    @Test
    void aWalkThatRacedWithAPageGainingRoomTakesItsRaiseBack() {
        try (Allocator allocator = allocator()) {
            long lowest = Arrays.stream(fourFullPages(allocator)).min().orElseThrow();
            ExtentPages pages = PageMap.lookup(lowest).heap.extentPages;
            int bin = FreeRuns.binOf(Units.unitsFor(48 * 1024));     // a size no walk looked for yet: start 0
            int lowerings = pages.lowerings();                   // a walk for 48 KiB reads the count, every page full
            int start = pages.start(bin);
            assertThat(start).isZero();
            freeIntoPage(allocator, lowest);                      // meanwhile the lowest page gains 64 KiB
            pages.passed(bin, start, pages.size(), lowerings);    // and the walk raises the start past every page
            assertThat(pages.start(bin)).as("the raise taken back").isZero();
            assertThat(allocator.malloc(48 * 1024)).isEqualTo(lowest);
        }
    }

    @Test
    void aPageWhoseRoomReadsTooLowIsFoundBeforeAFreshPageIsMapped() {
        try (Allocator allocator = allocator()) {
            long[] blocks = fourFullPages(allocator);
            long highest = Arrays.stream(blocks).max().orElseThrow();
            Page fourth = PageMap.lookup(highest);
            freeIntoPage(allocator, highest);
            // Above every walk's start, the page's room as a racy write could have left it: none
            fourth.heap.extentPages.roomIs(fourth, 0);
            assertThat(allocator.malloc(PAGE / 4)).isEqualTo(highest);
            assertThat(extentPages(allocator)).as("no fresh page while one the rooms hide has room").isEqualTo(4);
        }
    }

    @Test
    void everyPagesRoomAsTheWalkReadsItIsThePagesOwn() throws InterruptedException {
        // The walk reads rooms, not pages: each change of a page's runs or remote list must reach the heap's set
        try (Allocator allocator = allocator()) {
            SplittableRandom random = new SplittableRandom(20261205);
            long[] live = new long[160];
            for (int round = 0; round < 40; round++) {
                for (int op = 0; op < 200; op++) {
                    int slot = random.nextInt(live.length);
                    if (live[slot] != 0) {
                        allocator.free(live[slot]);
                    }
                    live[slot] = allocator.malloc(random.nextInt(8 * 1024, 80 * 1024));
                }
                List<Long> others = new ArrayList<>();               // onto remote lists, some taken in below
                for (int slot = 0; slot < live.length; slot += 1 + random.nextInt(8)) {
                    if (live[slot] != 0) {
                        others.add(live[slot]);
                        live[slot] = 0;
                    }
                }
                assertThat(onAnotherThread(others.getFirst(), () -> others.forEach(allocator::free))).isNull();
                if (round % 5 == 4) {
                    allocator.trim();                                // purges, and takes the remote lists in
                }
                ExtentPages set = PageMap.lookup(allocator.malloc(8 * 1024)).heap.extentPages;
                for (int i = 0; i < set.size(); i++) {
                    Page page = set.pages[i];
                    synchronized (page.units) {                      // (the maintenance pass's purges take it too)
                        assertThat(set.room(i)).as("round %d, page %d of %d", round, i, set.size())
                                .isEqualTo(page.units.room(page));
                    }
                }
            }
        }
    }

    @Test
    void extentPagesAndClassPagesNeverShareASegment() {
        try (Allocator allocator = allocator()) {
            long small = allocator.malloc(64);
            long big = allocator.malloc(16 * 1024);
            long medium = allocator.malloc(4096);
            Segment extents = PageMap.lookup(big).segment;
            assertThat(extents.forExtents).isTrue();
            assertThat(PageMap.lookup(small).segment).isNotSameAs(extents);
            assertThat(PageMap.lookup(medium).segment).isNotSameAs(extents).isSameAs(PageMap.lookup(small).segment);
            allocator.free(small);
            allocator.free(big);
            allocator.free(medium);
        }
    }

    @Test
    void everyFreeIsCheckedExactly() {
        try (Allocator allocator = allocator()) {
            long a = allocator.malloc(16 * 1024);
            long b = allocator.malloc(16 * 1024);
            assertThatThrownBy(() -> allocator.free(a + 4096)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("interior pointer").hasMessageContaining(Long.toHexString(a));
            assertThatThrownBy(() -> allocator.free(a + 16)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("interior pointer");
            assertThatThrownBy(() -> allocator.free(b + 64 * 1024)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("not an allocated block");
            allocator.free(a);
            assertThatThrownBy(() -> allocator.free(a)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("double free");
            assertThatThrownBy(() -> allocator.usableSize(a)).isInstanceOf(InvalidFreeException.class);
            allocator.trim();                                    // a leaves this thread's cache for its page
            assertThatThrownBy(() -> allocator.free(a)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("double free");
            long small = allocator.malloc(8 * 1024);             // takes a's first units: a is now inside it
            assertThat(small).isEqualTo(a);
            long reused = allocator.malloc(8 * 1024);
            assertThatThrownBy(() -> allocator.free(a + 12 * 1024)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("interior pointer");
            allocator.free(small);
            allocator.free(reused);
            allocator.free(b);
            assertThat(allocator.statistics().liveBlocks()).isZero();
        }
    }

    @Test
    void alignedExtentsArePlacedAtAlignedUnits() {
        try (Allocator allocator = allocator()) {
            long before = allocator.malloc(9 * 1024);            // the aligned ones cannot start at the page's start
            long page = allocator.alignedAlloc(4096, 10_000);
            long wider = allocator.alignedAlloc(64 * 1024, 40_000);
            assertThat(page % 4096).isZero();
            assertThat(wider % (64 * 1024)).isZero();
            assertThat(PageMap.lookup(page).units).as("an extent").isNotNull();
            assertThat(PageMap.lookup(wider).units).as("an extent, no mapping of its own").isNotNull();
            assertThat(allocator.usableSize(wider)).isGreaterThanOrEqualTo(40_000);
            allocator.free(before);
            allocator.free(page);
            allocator.free(wider);
        }
    }

    @Test
    void memoryThatStaysFreeGoesBackToTheOsAndLiveBlocksKeepTheirData() throws InterruptedException {
        try (Allocator allocator = Allocator.create(AllocatorConfiguration.defaults().withPurgeDelay(Duration.ZERO))) {
            long size = 64 * 1024;
            long[] blocks = new long[3];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(size);
                Memory.segment(blocks[i], size).fill((byte) 0x5A);
            }
            freeIntoPage(allocator, blocks[1]);
            // The maintenance thread purges it on one of its next passes: wait for that, not for a time.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (nonZeroBytes(blocks[1], size) != 0) {
                assertThat(System.nanoTime()).as("the freed block is purged").isLessThan(deadline);
                Thread.sleep(5);
            }
            assertThat(nonZeroBytes(blocks[0], size)).isEqualTo(size);
            assertThat(nonZeroBytes(blocks[2], size)).isEqualTo(size);
            long again;
            synchronized (PageMap.lookup(blocks[1]).units.extents.purgeLock) {  // the pass has given the units back
                again = allocator.malloc(size);                   // the purged units, handed out again
            }
            assertThat(again).isEqualTo(blocks[1]);
            Memory.segment(again, size).fill((byte) 0x33);
            allocator.trim();                                     // purges every free unit, and no live one
            assertThat(nonZeroBytes(again, size)).isEqualTo(size);
            allocator.free(blocks[0]);
            allocator.free(again);
            allocator.free(blocks[2]);
        }
    }

    @Test
    void aPageIsNotReleasedWhileItsFreeUnitsAreBeingPurged() {
        // The purge takes its runs under the page's lock and calls madvise after letting it go. Released in between,
        // the page's chunks could go to another page, whose blocks the madvise would then zero (rptest, two threads).
        try (Allocator allocator = allocator()) {
            long block = allocator.malloc(16 * 1024);
            Page page = PageMap.lookup(block);
            freeIntoPage(allocator, block);                       // the page is empty, its units dirty
            int[] runs = page.units.takeIdleRuns(page, System.nanoTime(), 0, true);
            assertThat(runs).as("the freed units, taken for a purge").isNotNull();
            assertThat(page.units.releaseIfEmpty(page)).as("released while its purge is under way").isFalse();
            page.units.purged(page, runs);
            allocator.trim();                                     // now it goes
            assertThat(extentPages(allocator)).isZero();
        }
    }

    @Test
    void closingWaitsForAPassThatIsPurging() throws InterruptedException {
        // A purge's madvise runs outside the pages' locks. Had close unmapped the segments under it, the madvise
        // could have dropped the memory of whatever the next mmap (another allocator's segment) put there.
        Allocator allocator = allocator();
        long block = allocator.malloc(16 * 1024);
        Page page = PageMap.lookup(block);
        Extents extents = page.units.extents;
        Thread closer;
        synchronized (extents.purgeLock) {                      // as a pass between taking runs and purging them
            closer = Thread.ofPlatform().start(allocator::close);
            while (closer.getState() != Thread.State.BLOCKED) {
                assertThat(closer.isAlive()).as("close finished while a pass was purging").isTrue();
                Thread.onSpinWait();
            }
            assertThat(page.units.isReleased()).isFalse();
        }
        closer.join();
        assertThat(page.units.isReleased()).isTrue();
    }

    @Test
    void emptiedPagesStayAsSparesUntilTrim() {
        try (Allocator allocator = allocator()) {
            long size = PAGE / 2;                                 // two blocks fill a page
            int pages = Extents.SPARE_PAGES + 2;
            long[] blocks = new long[2 * pages];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(size);
            }
            assertThat(extentPages(allocator)).isEqualTo(pages);
            // No pass purges meanwhile: a page whose units a purge holds is not released when a free empties it
            synchronized (PageMap.lookup(blocks[0]).units.extents.purgeLock) {
                for (int i = 0; i < 2 * Extents.SPARE_PAGES; i++) {
                    freeIntoPage(allocator, blocks[i]);
                }
                assertThat(extentPages(allocator)).as("the first emptied pages are the spares").isEqualTo(pages);
                for (int i = 2 * Extents.SPARE_PAGES; i < blocks.length; i++) {
                    freeIntoPage(allocator, blocks[i]);
                }
                assertThat(extentPages(allocator)).as("an empty page beyond the spares goes")
                        .isEqualTo(Extents.SPARE_PAGES);
            }
            allocator.trim();
            assertThat(extentPages(allocator)).isZero();
            assertThat(allocator.statistics().committedBytes()).isZero();
        }
    }

    @Test
    void trimGivesBackPagesThatOtherThreadsEmptied() throws InterruptedException {
        try (Allocator allocator = allocator()) {
            long[] blocks = new long[2 * (Extents.SPARE_PAGES + 2)];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(PAGE / 2);          // two blocks fill a page
            }
            // No pass meanwhile: a page whose free units it is purging cannot go, and would stay for the pass after
            synchronized (PageMap.lookup(blocks[0]).units.extents.purgeLock) {
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                Thread.ofPlatform().start(() -> thrown.set(catchThrowable(() -> {
                    for (long block : blocks) {
                        allocator.free(block);
                    }
                }))).join();
                assertThat(thrown.get()).as("the other thread's frees").isNull();
                assertThat(extentPages(allocator)).as("the emptied pages beyond the spares went at once")
                        .isEqualTo(Extents.SPARE_PAGES);
            }
            allocator.trim();
            assertThat(extentPages(allocator)).isZero();
            assertThat(allocator.statistics().committedBytes()).isZero();
        }
    }

    @Test
    void blocksMoveBetweenThreadsWithTheirContents() throws Exception {
        try (Allocator allocator = allocator()) {
            BlockingQueue<long[]> queue = new ArrayBlockingQueue<>(64);
            int count = 20_000;
            Thread producer = Thread.ofPlatform().start(() -> {
                SplittableRandom random = new SplittableRandom(7);
                for (int i = 0; i < count; i++) {
                    long size = 8 * 1024 + random.nextInt(120 * 1024);
                    long block = allocator.malloc(size);
                    Memory.putLong(block, i);
                    Memory.putLong(block + size - 8, ~i);
                    try {
                        queue.put(new long[] {block, size, i});
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            List<String> wrong = new ArrayList<>();
            SplittableRandom random = new SplittableRandom(11);
            List<long[]> mine = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                long[] item = queue.take();
                if (Memory.getLong(item[0]) != item[2] || Memory.getLong(item[0] + item[1] - 8) != ~item[2]) {
                    wrong.add("block " + item[2]);
                }
                allocator.free(item[0]);                          // a free from another thread than the allocating one
                long own = allocator.malloc(8 * 1024 + random.nextInt(56 * 1024));
                mine.add(new long[] {own});
                if (mine.size() > 32) {
                    allocator.free(mine.remove(random.nextInt(mine.size()))[0]);
                }
            }
            producer.join();
            for (long[] m : mine) {
                allocator.free(m[0]);
            }
            assertThat(wrong).isEmpty();
            allocator.trim();           // reaps the ended producer, or waits for the pass that does: its cache is back
            assertThat(allocator.statistics().liveBlocks()).isZero();
        }
    }

    @Test
    void eachThreadAllocatesFromPagesOfItsOwnAndPagesOfEndedThreadsAreTakenOver() throws Exception {
        try (Allocator allocator = allocator()) {
            long[] left = new long[1];
            java.util.concurrent.CountDownLatch allocated = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch checked = new java.util.concurrent.CountDownLatch(1);
            Thread ended = Thread.ofPlatform().start(() -> {
                left[0] = allocator.malloc(16 * 1024);
                Memory.putLong(left[0], 42);
                allocated.countDown();
                try {
                    checked.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            allocated.await();
            long mine = allocator.malloc(16 * 1024);
            assertThat(PageMap.lookup(mine)).as("a live thread's page is its own").isNotSameAs(PageMap.lookup(left[0]));
            assertThat(extentPages(allocator)).isEqualTo(2);
            checked.countDown();
            ended.join();
            allocator.free(mine);
            allocator.trim();                                     // reaps the ended thread; releases empty pages
            assertThat(extentPages(allocator)).isEqualTo(1);
            // This thread's pages are gone, so the ended thread's page, with room, is taken over
            long taken = allocator.malloc(16 * 1024);
            assertThat(PageMap.lookup(taken)).isSameAs(PageMap.lookup(left[0]));
            assertThat(extentPages(allocator)).isEqualTo(1);
            assertThat(Memory.getLong(left[0])).isEqualTo(42);
            allocator.free(left[0]);
            allocator.free(taken);
        }
    }

    @Test
    void aThreadKeepsAFewFreedBlocksForItsNextAllocationsAndTheyAreStillCheckedExactly() throws Exception {
        try (Allocator allocator = allocator()) {
            long a = allocator.malloc(8 * 1024);
            long b = allocator.malloc(8 * 1024);
            long big = allocator.malloc(40 * 1024);
            allocator.free(a);
            allocator.free(b);
            assertThat(allocator.statistics().liveBlocks()).as("cached blocks are not live").isEqualTo(1);
            assertThatThrownBy(() -> allocator.free(b)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("double free");
            assertThatThrownBy(() -> allocator.usableSize(a)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("double free");
            assertThat(onAnotherThread(a, () -> allocator.free(a))).as("another thread's free of it")
                    .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
            assertThat(allocator.malloc(8 * 1024)).as("last freed, first served").isEqualTo(b);
            assertThat(allocator.malloc(8 * 1024)).isEqualTo(a);
            assertThat(allocator.malloc(16 * 1024)).as("another class: first fit, after big").isGreaterThan(big);
        }
    }

    @Test
    void aMissTakesACachedBlockOfAClassJustAboveWhichGoesBackToItsOwnClass() throws Exception {
        try (Allocator allocator = allocator()) {
            SizeClasses classes = allocator.sizeClasses();
            int asked = classes.classOf(16 * 1024);
            long above = classes.blockSize(asked + ExtentCache.REACH);
            long beyond = classes.blockSize(asked + ExtentCache.REACH + 1);
            long a = allocator.malloc(above);
            long far = allocator.malloc(beyond);
            allocator.free(a);                                   // kept in this thread's cache, in its own class
            long b = allocator.malloc(16 * 1024);
            assertThat(b).as("the class's own list is empty: the block of the class above").isEqualTo(a);
            assertThat(allocator.usableSize(b)).as("it keeps its size").isEqualTo(above);
            allocator.free(b);
            assertThatThrownBy(() -> allocator.free(b)).as("and is checked exactly")
                    .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
            assertThat(onAnotherThread(b, () -> allocator.free(b))).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("double free");
            assertThat(allocator.malloc(above)).as("back in its own class's list").isEqualTo(a);
            allocator.free(far);
            assertThat(allocator.malloc(16 * 1024)).as("a class beyond the reach is left to its own")
                    .isNotEqualTo(far);
            assertThat(allocator.malloc(beyond)).isEqualTo(far);
        }
    }

    @Test
    void anotherThreadsFreeTakesNoLockOfThePage() throws InterruptedException {
        try (Allocator allocator = allocator()) {
            long block = allocator.malloc(16 * 1024);
            Page page = PageMap.lookup(block);
            synchronized (page.units.extents.purgeLock) {            // no maintenance pass takes the list in meanwhile
                Thread freer;
                synchronized (page.units) {                             // as the owner allocating from the page
                    freer = Thread.ofPlatform().start(() -> {
                        allocator.free(block);                          // gathered: no page touched yet
                        page.heap.engine.freeingHeapOf(Thread.currentThread()).deferredFrees.flush();
                    });
                    // Until it ends or waits for this lock: a first free may wait a moment for another monitor
                    // (the JDK's, linking the code it runs), which says nothing of the page's
                    while (freer.getState() != Thread.State.TERMINATED && !waitsFor(freer, page.units)) {
                        Thread.onSpinWait();
                    }
                    assertThat(freer.getState()).as("the free waited for the page's lock")
                            .isEqualTo(Thread.State.TERMINATED);
                }
                freer.join();
                assertThat(page.pendingRemoteFrees()).as("in the page's remote list").isEqualTo(1);
                assertThat(allocator.malloc(16 * 1024)).as("the owner's next block of the class").isEqualTo(block);
                assertThat(page.pendingRemoteFrees()).isZero();
            }
        }
    }

    @Test
    void blocksOtherThreadsFreedGoBackToTheirPageAndAreStillCheckedExactly() throws InterruptedException {
        try (Allocator allocator = allocator()) {
            long a = allocator.malloc(16 * 1024);
            long b = allocator.malloc(16 * 1024);
            long c = allocator.malloc(32 * 1024);
            allocator.trim();                                    // the blocks b's miss stocked go back to the page
            synchronized (PageMap.lookup(a).units.extents.purgeLock) {     // no pass takes the list in, nor purges
                assertThat(onAnotherThread(a, () -> allocator.free(a))).isNull();
                assertThat(onAnotherThread(a, () -> allocator.free(a))).as("a second free on another thread")
                        .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
                assertThatThrownBy(() -> allocator.free(a)).as("a second free on the owner")
                        .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
                assertThatThrownBy(() -> allocator.usableSize(a)).isInstanceOf(InvalidFreeException.class)
                        .hasMessageContaining("double free");
                assertThat(onAnotherThread(c, () -> allocator.free(c))).isNull();
                allocator.free(b);                                   // kept in the owner's cache
                assertThat(onAnotherThread(b, () -> allocator.free(b))).as("another thread's free of a cached block")
                        .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
                assertThat(allocator.malloc(16 * 1024)).as("the cache first").isEqualTo(b);
                assertThat(allocator.malloc(32 * 1024)).as("a miss takes c back as it is: its class").isEqualTo(c);
                assertThat(allocator.malloc(16 * 1024)).as("and gives a's units back: first fit").isEqualTo(a);
            }
            assertThatThrownBy(() -> allocator.free(c + 8 * 1024)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("interior pointer");
            assertThat(onAnotherThread(a, () -> {
                allocator.free(a);
                allocator.free(b);
            })).isNull();
            assertThat(allocator.statistics().liveBlocks()).as("the statistics take the remote list in").isEqualTo(1);
        }
    }

    @Test
    void aMissTakesAsManyOfItsClassFromTheRemoteListAsItsCacheHasRoomFor() throws InterruptedException {
        // A consumer hands back a chain of blocks of one class: they are free blocks of the class already, so the
        // producer's next miss keeps them all (the class may keep eight 8 KiB blocks), none given back to the units
        try (Allocator allocator = allocator()) {
            long[] blocks = new long[8];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(8 * 1024);
            }
            allocator.trim();                                    // the blocks the misses stocked go back to the page
            Page page = PageMap.lookup(blocks[0]);
            long[] freed = Arrays.copyOf(blocks, 6);
            synchronized (page.units.extents.purgeLock) {        // no pass takes the list in meanwhile
                assertThat(onAnotherThread(freed[0], () -> Arrays.stream(freed).forEach(allocator::free))).isNull();
                assertThat(page.pendingRemoteFrees()).isEqualTo(6);
                Set<Long> again = new HashSet<>();
                again.add(allocator.malloc(8 * 1024));
                assertThat(page.units.liveBlocksRacy()).as("one out, five in the cache, two never freed").isEqualTo(8);
                for (int i = 0; i < 5; i++) {
                    again.add(allocator.malloc(8 * 1024));
                }
                assertThat(again).containsExactlyInAnyOrderElementsOf(Arrays.stream(freed).boxed().toList());
            }
        }
    }

    @Test
    void aWriteIntoABlockAnotherThreadFreedLeavesTheBlocksBehindItLiveAndIsReported() throws InterruptedException {
        try (Allocator allocator = allocator()) {
            long a = allocator.malloc(16 * 1024);
            long b = allocator.malloc(16 * 1024);
            Page page = PageMap.lookup(a);
            allocator.trim();                                    // the blocks b's miss stocked go back to the page
            synchronized (page.units.extents.purgeLock) {    // no pass takes the list in, nor purges units, meanwhile
                assertThat(onAnotherThread(a, () -> allocator.free(a))).isNull();
                assertThat(onAnotherThread(b, () -> allocator.free(b))).isNull();   // b heads the list, links to a
                Memory.putLong(b, 0x1234_5678L);                                   // a use after free
                page.units.extents.takeRemoteFrees(page);
                assertThat(allocator.statistics().discardedBlocks()).isEqualTo(1);
                assertThat(allocator.statistics().liveBlocks()).as("a, never reached").isEqualTo(1);
                assertThat(allocator.malloc(16 * 1024)).as("b's units serve again").isEqualTo(b);
                assertThat(allocator.malloc(16 * 1024)).as("a's never do").isNotEqualTo(a);
            }
        }
    }

    @Test
    void theCacheIsBoundedAndWhatItCannotKeepMergesInThePage() {
        try (Allocator allocator = allocator()) {
            // In a fresh page, misses and the blocks they stock hand out 20 blocks of 8 KiB in address order
            long[] blocks = new long[20];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(8 * 1024);
                assertThat(blocks[i]).isEqualTo(blocks[0] + i * 8 * 1024L);
            }
            allocator.trim();                                    // blocks the last miss stocked go back
            for (long block : blocks) {
                allocator.free(block);
            }
            // 8 stay cached; the 12 freed last go to the page and merge with its free tail into a bigger class
            long merged = allocator.malloc(96 * 1024);
            assertThat(merged).as("the units of the 12 blocks freed last").isEqualTo(blocks[8]);
            allocator.free(merged);
        }
    }

    @Test
    void aBurstOfFreesIsKeptBeyondTheCachesLimitsForTheNextAllocationsAndStillCheckedExactly() throws Exception {
        try (Allocator allocator = allocator()) {
            int base = 8;                                        // what the 8 KiB class keeps outside a burst
            int refused = ExtentCache.BURST_START;
            int kept = 16;
            long[] blocks = new long[base + refused + kept];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(8 * 1024);
            }
            allocator.trim();                                    // blocks the last miss stocked go back
            for (long block : blocks) {
                allocator.free(block);
            }
            // The first eight fill the class's list, the next BURST_START go to the page, the rest are kept too
            long deepest = blocks[base + refused];               // kept first: the list's last but the base eight
            assertThatThrownBy(() -> allocator.free(deepest)).as("a double free deep in the burst's part")
                    .isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
            assertThat(onAnotherThread(deepest, () -> allocator.free(deepest)))
                    .as("another thread's free of it").isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("double free");
            for (int i = blocks.length - 1; i >= base + refused; i--) {
                assertThat(allocator.malloc(8 * 1024)).as("kept by the burst, last freed first").isEqualTo(blocks[i]);
            }
            for (int i = base - 1; i >= 0; i--) {
                assertThat(allocator.malloc(8 * 1024)).as("then the class's own eight").isEqualTo(blocks[i]);
            }
            assertThat(allocator.malloc(8 * 1024)).as("the refused ones merged in the page: first fit")
                    .isEqualTo(blocks[base]);
        }
    }

    @Test
    void freesBetweenMissesAreNoBurstAndGoToThePage() {
        try (Allocator allocator = allocator()) {
            int base = 8;
            long[] blocks = new long[base + ExtentCache.BURST_START + 8];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocator.malloc(8 * 1024);
            }
            long other = allocator.malloc(40 * 1024);
            allocator.trim();
            int half = base + ExtentCache.BURST_START / 2;
            for (int i = 0; i < half; i++) {
                allocator.free(blocks[i]);
            }
            allocator.free(allocator.malloc(12 * 1024));         // a miss between the frees (then cached itself)
            for (int i = half; i < blocks.length; i++) {
                allocator.free(blocks[i]);
            }
            // Fewer than BURST_START refused in a row on either side of the miss: only the class's own eight are kept
            // (a burst's would come first, the last freed)
            for (int i = base - 1; i >= 0; i--) {
                assertThat(allocator.malloc(8 * 1024)).as("the class's own eight, last freed first")
                        .isEqualTo(blocks[i]);
            }
            assertThat(allocator.malloc(8 * 1024)).as("the others went to the page")
                    .isNotEqualTo(blocks[blocks.length - 1]);
            allocator.free(other);
        }
    }

    @Test
    void aBurstKeepsAtMostItsBoundsPerClassAndInAll() {
        try (Allocator allocator = allocator()) {
            SizeClasses classes = allocator.sizeClasses();
            List<Long> blocks = new ArrayList<>();
            // Six classes from 40 to 60 KiB, 40 blocks each: 12 MiB, each class's 40 more than its 1 MiB
            long[] sizes = {40 * 1024, 44 * 1024, 48 * 1024, 52 * 1024, 56 * 1024, 60 * 1024};
            for (int i = 0; i < 40; i++) {
                for (long size : sizes) {
                    blocks.add(allocator.malloc(size));
                }
            }
            allocator.trim();
            Heap heap = PageMap.lookup(blocks.getFirst()).heap;
            for (long block : blocks) {
                allocator.free(block);
                assertThat(heap.extentCache.heldBytes()).isLessThanOrEqualTo(ExtentCache.BURST_BYTES);
            }
            assertThat(heap.extentCache.heldBytes()).as("the burst filled its bytes")
                    .isGreaterThan(ExtentCache.BURST_BYTES - 60 * 1024);
            for (long size : sizes) {
                assertThat(heap.extentCache.heldOf(classes.classOf(size)))
                        .isLessThanOrEqualTo(ExtentCache.BURST_PER_CLASS);
            }
            allocator.trim();                                    // everything cached goes back
            assertThat(allocator.statistics().committedBytes()).isZero();
        }
    }

    @Test
    void aMissTakesSeveralBlocksOfItsClassInOneHoldOfThePageAndTheOnesNotHandedOutAreFree()
            throws Exception {
        try (Allocator allocator = allocator()) {
            long first = allocator.malloc(8 * 1024);             // from a fresh page, which nothing is stocked from
            long second = allocator.malloc(8 * 1024);            // a miss in the heap's page
            assertThat(second).isEqualTo(first + 8 * 1024L);
            // The class may keep eight 8 KiB blocks: the miss stocked four more, still live in the page
            assertThat(allocator.statistics().liveBlocks()).as("stocked blocks are not live").isEqualTo(2);
            long stocked = second + 8 * 1024;
            // Free, never live, as a small page's blocks linked before they go out: refused as already free
            assertThatThrownBy(() -> allocator.free(stocked)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("already free");
            assertThatThrownBy(() -> allocator.usableSize(second + 4 * 8 * 1024L))
                    .isInstanceOf(InvalidFreeException.class).hasMessageContaining("already free");
            assertThat(onAnotherThread(stocked, () -> allocator.free(stocked))).as("another thread's free of it")
                    .isInstanceOf(InvalidFreeException.class).hasMessageContaining("already free");
            long[] next = new long[4];
            for (int i = 0; i < next.length; i++) {
                next[i] = allocator.malloc(8 * 1024);
                assertThat(next[i]).as("handed out in the page's order").isEqualTo(second + (i + 1) * 8 * 1024L);
            }
            assertThat(allocator.statistics().liveBlocks()).isEqualTo(6);
            long sixth = allocator.malloc(8 * 1024);             // the next miss
            assertThat(sixth).isEqualTo(second + 5 * 8 * 1024L);
            allocator.free(sixth);
            for (long block : next) {
                allocator.free(block);
            }
            allocator.free(second);
            allocator.free(first);
            allocator.trim();                                    // cached and stocked blocks go back to the page
            assertThat(extentPages(allocator)).isZero();
            assertThat(allocator.statistics().committedBytes()).isZero();
        }
    }

    @Test
    void aThreadsCachedBlocksGoBackToTheirPagesWhenItEnds() throws Exception {
        try (Allocator allocator = allocator()) {
            Thread ended = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 4; i++) {
                    allocator.free(allocator.malloc(8 * 1024 << (i & 1)));
                }
            });
            ended.join();
            assertThat(extentPages(allocator)).isEqualTo(1);
            allocator.trim();                                     // reaps the ended thread, releases empty pages
            assertThat(extentPages(allocator)).as("its blocks left its cache, its page emptied").isZero();
            assertThat(allocator.statistics().committedBytes()).isZero();
        }
    }
}
