/**
 * lgmalloc's JVM analyser: finds allocation call sites in class files and predicts the sizes they request by
 * abstract interpretation of their bytecode ({@code java.lang.classfile}).
 */
module dev.lgmalloc.analysis.jvm {
    requires transitive dev.lgmalloc.analysis;
    exports dev.lgmalloc.analysis.jvm;
}
