/**
 * The abstract value every analyser tracks for integers: a bounded {@link dev.lgmalloc.analysis.value.ConstantSet}.
 * Each analyser wraps it in what it knows besides (the JVM analyser's layouts and arrays, the ELF analyser's
 * arguments and frame addresses).
 */
package dev.lgmalloc.analysis.value;
