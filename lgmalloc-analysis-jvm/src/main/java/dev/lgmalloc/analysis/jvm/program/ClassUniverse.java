package dev.lgmalloc.analysis.jvm.program;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Finds and parses classes by internal name: first the analysed program's own classes, then (for class
 * hierarchy questions only) the JDK's. Parsed classes are cached; malformed ones read as absent.
 */
public final class ClassUniverse {

    private static final ClassFile CLASS_FILE = ClassFile.of(ClassFile.DebugElementsOption.DROP_DEBUG);

    private final Function<String, Optional<byte[]>> programClasses;
    private final Map<String, Optional<ClassModel>> program = new ConcurrentHashMap<>();
    private final Map<String, Optional<ClassModel>> platform = new ConcurrentHashMap<>();

    /** @param programClasses the bytes of the analysed program's class with the given internal name */
    public ClassUniverse(Function<String, Optional<byte[]>> programClasses) {
        this.programClasses = programClasses;
    }

    /** Parses class bytes the way the analyser does (debug attributes other than line numbers dropped). */
    public static ClassModel parse(byte[] bytes) {
        return CLASS_FILE.parse(bytes);
    }

    /** Makes {@code model} the program's class of that name, e.g. the exact bytes a transformer was given. */
    public void define(ClassModel model) {
        program.put(model.thisClass().asInternalName(), Optional.of(model));
    }

    /** The program's class, if it has one of that name. */
    public Optional<ClassModel> programClass(String internalName) {
        Optional<ClassModel> cached = program.get(internalName);
        if (cached != null) {
            return cached;
        }
        Optional<byte[]> bytes = programClasses.apply(internalName);
        Optional<ClassModel> parsed = bytes.isPresent() ? tryParse(bytes.get()) : Optional.empty();
        program.putIfAbsent(internalName, parsed);
        return parsed;
    }

    /** The program's class, or else the JDK's: for questions about the class hierarchy. */
    public Optional<ClassModel> anyClass(String internalName) {
        Optional<ClassModel> own = programClass(internalName);
        if (own.isPresent()) {
            return own;
        }
        Optional<ClassModel> cached = platform.get(internalName);
        if (cached != null) {
            return cached;
        }
        Optional<ClassModel> parsed = Optional.empty();
        try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
            if (in != null) {
                parsed = tryParse(in.readAllBytes());
            }
        } catch (IOException e) {
            parsed = Optional.empty();
        }
        platform.putIfAbsent(internalName, parsed);
        return parsed;
    }

    private static Optional<ClassModel> tryParse(byte[] bytes) {
        try {
            ClassModel model = CLASS_FILE.parse(bytes);
            ClassValidation.check(model); // parsing is lazy: make a malformed class fail here, not later
            return Optional.of(model);
        } catch (RuntimeException e) {
            return Optional.empty(); // malformed: the class is reported when it is analysed itself
        }
    }
}
