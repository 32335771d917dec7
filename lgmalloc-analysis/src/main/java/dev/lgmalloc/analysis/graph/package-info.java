/**
 * Control-flow graph algorithms shared by lgmalloc's analysers: reverse post-order, immediate dominators and
 * loop depth. A graph is an {@code int[][]} of successors: node {@code i}'s successors are
 * {@code successors[i]}, and node 0 is the entry. Everything works on int arrays, since the JVM analyser runs
 * them for every method of a class path and the ELF analyser for every function it looks into.
 */
package dev.lgmalloc.analysis.graph;
