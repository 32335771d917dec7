package dev.lgmalloc.analysis;

/**
 * The program's predicted use of one size class.
 *
 * @param sizeClass  the class index in the plan's size classes
 * @param blockSize  the block size of that class
 * @param exact      whether the plan added this class for a predicted constant size
 * @param demand     sum over predicting sites of weight times confidence
 * @param confidence weighted mean confidence of the sites that predict this class
 * @param sites      how many sites predict this class
 */
public record ClassDemand(int sizeClass, int blockSize, boolean exact, double demand, double confidence, int sites) {
}
