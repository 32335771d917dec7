package dev.lgmalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code java} code block of the READMEs compiles as shown, with only the imports it shows: its import lines
 * stay imports, the rest becomes the body of a method. A new user copies them; a snippet that no longer compiles
 * is a broken promise.
 */
class ReadmeSnippetsTest {

    private static final List<Path> READMES = List.of(Path.of("../README.md"), Path.of("../lgmalloc-elf/README.md"),
            Path.of("../lgmalloc-agent/README.md"), Path.of("../lgmalloc-analysis-jvm/README.md"),
            Path.of("../lgmalloc-bench/README.md"));

    record Snippet(Path readme, int line, String code) {
        @Override
        public String toString() {
            return readme.normalize() + ":" + line;
        }
    }

    static Stream<Snippet> snippets() throws IOException {
        List<Snippet> out = new ArrayList<>();
        for (Path readme : READMES) {
            List<String> lines = Files.readAllLines(readme);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().equals("```java")) {
                    int start = i + 1;
                    StringBuilder code = new StringBuilder();
                    for (i = start; !lines.get(i).strip().equals("```"); i++) {
                        code.append(lines.get(i)).append('\n');
                    }
                    out.add(new Snippet(readme, start, code.toString()));
                }
            }
        }
        assertThat(out).as("the READMEs' java blocks").hasSizeGreaterThanOrEqualTo(4);
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snippets")
    void compilesAsShown(Snippet snippet) {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : snippet.code().lines().toList()) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        String source = imports + "class Snippet {\n    static void run() throws Throwable {\n"
                + body + "    }\n}\n";
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        SimpleJavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///Snippet.java"),
                SimpleJavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        Path classes = Path.of("target/readme-snippets");
        boolean ok = javac.getTask(diagnostics, null, null, List.of("-proc:none", "-d", classes.toString(), "-cp",
                System.getProperty("java.class.path")), null, List.of(unit)).call();
        assertThat(ok).as(snippet + " does not compile:\n" + diagnostics + "\n" + source).isTrue();
    }
}
