package dev.lgmalloc.analysis.jvm.read;

import dev.lgmalloc.analysis.AnalysisException;
import java.io.IOException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The classes of the running JDK's modules, read through the system modules' {@link ModuleReader}s. A reader
 * hands each resource out as a view of the memory-mapped image, so a class costs one copy when it is used
 * ({@link ImageClassBytes}); the {@code jrt:/} file system copied it three times, the last in 8 KiB chunks through a
 * channel, which was 40% of the CPU time of a warm analysis of {@code java.base}. Classes come out as
 * {@link JrtImageClasses} gives them for the same image.
 */
final class SystemModuleClasses {

    private SystemModuleClasses() {
    }

    /**
     * The classes of {@code module} (all modules when null), module by module in name order, each module's classes
     * in name order, {@code module-info} left out.
     *
     * @throws AnalysisException when the module does not exist
     */
    static List<RuntimeImage.ImageClass> read(String description, String module)
            throws AnalysisException, IOException {
        ModuleFinder system = ModuleFinder.ofSystem();
        List<ModuleReference> modules = new ArrayList<>();
        if (module != null) {
            Optional<ModuleReference> one = system.find(module);
            if (one.isEmpty()) {
                throw new AnalysisException(description + ": no module " + module + " in this runtime image");
            }
            modules.add(one.get());
        } else {
            modules.addAll(system.findAll());
            modules.sort((a, b) -> a.descriptor().name().compareTo(b.descriptor().name()));
        }
        List<RuntimeImage.ImageClass> out = new ArrayList<>();
        for (ModuleReference ref : modules) {
            String prefix = module != null ? "" : ref.descriptor().name() + "/";
            // Left open: the classes are copied out when used, and a system module's reader holds no resource.
            ModuleReader reader = ref.open();
            for (String name : classNames(reader)) {
                String internalName = name.substring(0, name.length() - ".class".length());
                out.add(new RuntimeImage.ImageClass(internalName, prefix + name, new ImageClassBytes(reader, name)));
            }
        }
        return out;
    }

    /** The module's class files in name order, as the jrt file system's paths sort. */
    private static List<String> classNames(ModuleReader reader) throws IOException {
        try (Stream<String> names = reader.list()) {
            return names.filter(SystemModuleClasses::isClassToRead).sorted().toList();
        }
    }

    static boolean isClassToRead(String resource) {
        return resource.endsWith(".class") && !resource.equals("module-info.class")
                && !resource.endsWith("/module-info.class");
    }
}
