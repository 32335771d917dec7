package dev.lgmalloc.analysis.jvm.read;

import dev.lgmalloc.analysis.AnalysisException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The classes of a JDK's runtime image read through a {@code jrt:/} file system: how another JDK's is read. */
final class JrtImageClasses {

    private JrtImageClasses() {
    }

    /**
     * The classes of {@code module} (all modules when null) of the image of the JDK at {@code home} (the running
     * JDK when null), module by module in name order, each module's classes in name order, {@code module-info}
     * left out.
     *
     * @throws AnalysisException when the module does not exist
     */
    static List<RuntimeImage.ImageClass> read(String description, Path home, String module)
            throws AnalysisException, IOException {
        try (FileSystem jrt = open(home)) {
            Path modules = jrt.getPath("/modules");
            List<Path> roots = new ArrayList<>();
            if (module != null) {
                Path root = modules.resolve(module);
                if (!Files.isDirectory(root)) {
                    throw new AnalysisException(description + ": no module " + module + " in this runtime image");
                }
                roots.add(root);
            } else {
                try (Stream<Path> all = Files.list(modules)) {
                    all.sorted().forEach(roots::add);
                }
            }
            List<RuntimeImage.ImageClass> out = new ArrayList<>();
            for (Path root : roots) {
                List<Path> files;
                try (Stream<Path> walk = Files.walk(root)) {
                    files = walk.filter(p -> SystemModuleClasses.isClassToRead(p.getFileName().toString()))
                            .sorted().toList();
                }
                for (Path f : files) {
                    String relative = root.relativize(f).toString();
                    String internalName = relative.substring(0, relative.length() - ".class".length());
                    String entry = module != null ? relative : root.getFileName() + "/" + relative;
                    // The stream is the file's bytes in an array: readAllBytes copies them once, where
                    // Files.readAllBytes pulls them through a channel 8 KiB at a time.
                    try (InputStream in = Files.newInputStream(f)) {
                        out.add(new RuntimeImage.ImageClass(internalName, entry,
                                ClassBytes.held(in.readAllBytes())));
                    }
                }
            }
            return out;
        }
    }

    /** The jrt file system of the image: a new one, closed after reading (the running JDK's is shared and not). */
    private static FileSystem open(Path home) throws IOException {
        Map<String, String> env = home == null ? Map.of() : Map.of("java.home", home.toString());
        return FileSystems.newFileSystem(URI.create("jrt:/"), env);
    }
}
