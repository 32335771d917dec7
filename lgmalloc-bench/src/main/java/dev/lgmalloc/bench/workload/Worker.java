package dev.lgmalloc.bench.workload;

import dev.lgmalloc.bench.peer.PeerAllocator;
import java.util.SplittableRandom;

/**
 * One thread's way to allocate and free through the peer under test: every block gets the pattern of a fresh
 * random token, every free checks it first, and the thread's {@link Ledger} records both.
 */
public final class Worker {

    private final PeerAllocator allocator;
    private final Ledger ledger;
    private final SplittableRandom random;

    Worker(PeerAllocator allocator, Ledger ledger, long seed) {
        this.allocator = allocator;
        this.ledger = ledger;
        this.random = new SplittableRandom(seed);
    }

    public SplittableRandom random() {
        return random;
    }

    /** Allocates {@code size} bytes into {@code slot}, which must be empty. */
    public void allocate(Slots slots, int slot, long size) {
        long address = allocator.malloc(size);
        if (address == 0 || (address & 7) != 0) {
            ledger.problem(allocator.name() + " returned a bad address " + address + " for " + size + " B");
            return;
        }
        long token = random.nextLong();
        Blocks.fill(address, size, token);
        slots.set(slot, address, size, token);
        ledger.allocated(size, token);
    }

    /** Allocates into the next free slot of a batch. */
    public void append(Slots batch, long size) {
        allocate(batch, batch.claimNext(), size);
    }

    /** Checks and frees the block in {@code slot}, if any, and empties the slot. */
    public void free(Slots slots, int slot) {
        long address = slots.address[slot];
        if (address == 0) {
            return;
        }
        long size = slots.size[slot];
        long token = slots.token[slot];
        if (!Blocks.holds(address, size, token)) {
            ledger.problem("block at " + address + " (" + size + " B) was overwritten before its free");
        }
        allocator.free(address);
        ledger.freed(size, token);
        slots.clear(slot);
    }

    /** Frees every occupied slot, last first (the reverse of allocation order for a batch). */
    public void freeAll(Slots slots) {
        for (int slot = slots.capacity() - 1; slot >= 0; slot--) {
            free(slots, slot);
        }
    }

    /**
     * Resizes the block in {@code slot} with {@code realloc}: the pattern words that fit in both sizes must
     * survive the move; then the block gets a new token as a new block would.
     */
    public void reallocate(Slots slots, int slot, long newSize) {
        long address = slots.address[slot];
        long size = slots.size[slot];
        long token = slots.token[slot];
        if (!Blocks.holds(address, size, token)) {
            ledger.problem("block at " + address + " (" + size + " B) was overwritten before its realloc");
        }
        long moved = allocator.realloc(address, newSize);
        ledger.freed(size, token);
        slots.clear(slot);
        if (moved == 0 || (moved & 7) != 0) {
            ledger.problem(allocator.name() + " realloc returned a bad address " + moved);
            return;
        }
        if (!Blocks.holdsPrefix(moved, size, newSize, token)) {
            ledger.problem("realloc from " + size + " to " + newSize + " B lost the block's contents");
        }
        long newToken = random.nextLong();
        Blocks.fill(moved, newSize, newToken);
        slots.set(slot, moved, newSize, newToken);
        ledger.allocated(newSize, newToken);
    }

    /** Records a problem found by a workload's own check (for example a counter updated in place). */
    public void problem(String description) {
        ledger.problem(description);
    }

    /** The token of the block in {@code slot}, for workloads that update a block in place and check it. */
    public long token(Slots slots, int slot) {
        return slots.token[slot];
    }
}
