package dev.lgmalloc.bench.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes the suite's outputs into the output directory. */
final class Reports {

    static final String BASELINE = "lgmalloc";

    private Reports() {
    }

    /** Writes results.md, results.json, time.png and rss.png; returns the Markdown file. */
    static Path write(SuiteResults results, List<String> args) throws IOException {
        Path dir = results.options().out();
        Files.createDirectories(dir);
        Path markdown = dir.resolve("results.md");
        Files.writeString(markdown, new MarkdownReport(results, args).render());
        Files.writeString(dir.resolve("results.json"), new JsonReport(results, args).render());
        Charts charts = new Charts(results);
        charts.writeTime(dir.resolve("time.png"));
        charts.writeRss(dir.resolve("rss.png"));
        return markdown;
    }
}
