package dev.lgmalloc.analysis.jvm.read;

import dev.lgmalloc.analysis.AnalysisException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A JDK's runtime image ({@code lib/modules}) as an input: its classes are read directly, so nobody has to
 * {@code jimage extract} it first. Three ways to name one: {@code jrt:/java.base} (a module
 * of the running JDK; {@code jrt:/} for all of them), a JDK home directory, or its {@code lib/modules} file (all
 * modules of that JDK, read with that JDK's own {@code jrt-fs.jar} when it is another version).
 *
 * @param description how the input is shown in reports, e.g. {@code jrt:/java.base}
 * @param home        the JDK home, or null for the running JDK
 * @param module      the one module to read, or null for all
 */
record RuntimeImage(String description, Path home, String module) {

    private static final String SCHEME = "jrt:";

    /** The runtime image {@code input} names, if it names one. */
    static Optional<RuntimeImage> of(Path input) {
        String text = input.toString();
        if (text.startsWith(SCHEME)) {
            String module = text.substring(SCHEME.length()).replaceAll("^/+", "").replaceAll("/+$", "");
            return Optional.of(new RuntimeImage(SCHEME + "/" + module, null, module.isEmpty() ? null : module));
        }
        if (Files.isDirectory(input) && Files.isRegularFile(input.resolve("lib").resolve("modules"))) {
            return Optional.of(new RuntimeImage(input.resolve("lib").resolve("modules").toString(), input, null));
        }
        Path name = input.getFileName();
        Path lib = input.toAbsolutePath().getParent();
        if (name != null && name.toString().equals("modules") && lib != null && lib.getFileName() != null
                && lib.getFileName().toString().equals("lib") && Files.isRegularFile(input)) {
            return Optional.of(new RuntimeImage(input.toString(), lib.getParent(), null));
        }
        return Optional.empty();
    }

    /**
     * A class of the image: its internal name, its path in the image (the report's entry: inside the module when one
     * module is read, else {@code module/path}) and its bytes, held or copied out of the image when used.
     */
    record ImageClass(String internalName, String entry, ClassBytes content) {
    }

    /**
     * The classes of the image's modules, module by module in name order, each module's classes in name order
     * ({@code module-info} left out). The running JDK's image is read through its module readers, another JDK's
     * through its own {@code jrt:/} file system.
     *
     * @throws AnalysisException when the image cannot be opened or the module does not exist
     */
    List<ImageClass> read() throws AnalysisException {
        try {
            return isRunningJdk() ? SystemModuleClasses.read(description, module)
                    : JrtImageClasses.read(description, home, module);
        } catch (IOException | RuntimeException e) {
            throw new AnalysisException(description + ": cannot read the runtime image: " + e.getMessage(), e);
        }
    }

    private boolean isRunningJdk() throws IOException {
        return home == null || Files.isSameFile(home, Path.of(System.getProperty("java.home")));
    }
}
