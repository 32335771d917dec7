package dev.lgmalloc.elf.survey;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Real work for one real program: the files it starts from (path relative to a fresh directory → content), the
 * commands run there in order, and extra environment variables.
 */
public record Workload(String name, Path binary, Map<String, String> files, List<List<String>> commands,
                       Map<String, String> env) {
}
