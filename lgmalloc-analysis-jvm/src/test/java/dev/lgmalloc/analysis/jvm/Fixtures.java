package dev.lgmalloc.analysis.jvm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles small Java sources at test time into class files kept in memory. Every compilation also sees a
 * compile-only declaration of lgmalloc's allocation API ({@code dev.lgmalloc.LgMalloc}, {@code LgArena}) so the
 * fixtures' invokes name the real owners, names and descriptors; those stub classes are not returned.
 */
public final class Fixtures {

    private static final String LG_MALLOC = """
            package dev.lgmalloc;
            import java.lang.foreign.MemorySegment;
            public final class LgMalloc {
                private LgMalloc() {}
                public static long malloc(long size) { throw new UnsupportedOperationException(); }
                public static long calloc(long count, long size) { throw new UnsupportedOperationException(); }
                public static long realloc(long address, long newSize) { throw new UnsupportedOperationException(); }
                public static long alignedAlloc(long alignment, long size) { throw new UnsupportedOperationException(); }
                public static long tryMalloc(long size) { throw new UnsupportedOperationException(); }
                public static MemorySegment allocate(long size) { throw new UnsupportedOperationException(); }
                public static MemorySegment allocate(long size, long alignment) { throw new UnsupportedOperationException(); }
            }
            """;
    private static final String LG_ARENA = """
            package dev.lgmalloc;
            import java.lang.foreign.Arena;
            import java.lang.foreign.MemorySegment;
            public final class LgArena implements Arena {
                public MemorySegment allocate(long byteSize, long byteAlignment) { throw new UnsupportedOperationException(); }
                public MemorySegment.Scope scope() { throw new UnsupportedOperationException(); }
                public void close() { }
            }
            """;

    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern TYPE = Pattern.compile(
            "^(?:public\\s+)?(?:final\\s+|abstract\\s+)*(?:class|interface|record|enum)\\s+([\\w$]+)", Pattern.MULTILINE);

    private Fixtures() {
    }

    /** A fresh class loader that defines the compiled {@code classes} (internal names to bytes), so each load initialises them anew. */
    public static ClassLoader loader(Map<String, byte[]> classes, ClassLoader parent) {
        return new ClassLoader(parent) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                byte[] bytes = classes.get(name.replace('.', '/'));
                if (bytes == null) {
                    throw new ClassNotFoundException(name);
                }
                return defineClass(name, bytes, 0, bytes.length);
            }
        };
    }

    /** Compiles the sources (each one file with one top-level type) and returns class files by internal name. */
    public static Map<String, byte[]> compile(String... sources) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<JavaFileObject> units = new ArrayList<>();
        units.add(source(LG_MALLOC));
        units.add(source(LG_ARENA));
        for (String s : sources) {
            units.add(source(s));
        }
        Map<String, byte[]> out = new TreeMap<>();
        StringWriter diagnostics = new StringWriter();
        StandardJavaFileManager standard = javac.getStandardFileManager(null, null, null);
        JavaFileManager inMemory = new ForwardingJavaFileManager<>(standard) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                                       FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + ".class"),
                        kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return new ByteArrayOutputStream() {
                            @Override
                            public void close() {
                                out.put(className.replace('.', '/'), toByteArray());
                            }
                        };
                    }
                };
            }
        };
        boolean ok = javac.getTask(diagnostics, inMemory, null, List.of("-classpath", "", "-g"), null, units).call();
        if (!ok) {
            throw new IllegalStateException("fixture does not compile:\n" + diagnostics);
        }
        out.keySet().removeIf(name -> name.startsWith("dev/lgmalloc/"));
        return out;
    }

    /** Writes class files under {@code dir} as a class directory. */
    public static void writeTo(Path dir, Map<String, byte[]> classes) throws IOException {
        for (Map.Entry<String, byte[]> e : classes.entrySet()) {
            Path file = dir.resolve(e.getKey() + ".class");
            Files.createDirectories(file.getParent());
            Files.write(file, e.getValue());
        }
    }

    private static JavaFileObject source(String code) {
        Matcher pkg = PACKAGE.matcher(code);
        Matcher type = TYPE.matcher(code);
        if (!type.find()) {
            throw new IllegalArgumentException("no top-level type in fixture:\n" + code);
        }
        String path = (pkg.find() ? pkg.group(1).replace('.', '/') + "/" : "") + type.group(1) + ".java";
        return new SimpleJavaFileObject(URI.create("string:///" + path), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return code;
            }
        };
    }
}
