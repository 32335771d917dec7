package dev.lgmalloc.elf.survey;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The survey's programs (Debian's own builds, as installed) and what each is made to do. */
public final class Workloads {

    private Workloads() {
    }

    /** Every workload whose program is installed, in table order. */
    public static List<Workload> available() {
        List<Workload> all = List.of(git(), bash(), python(), make(), perl(), cmake(), node());
        return all.stream().filter(w -> Files.isExecutable(w.binary())).toList();
    }

    /** The workload named {@code name} ("git", "bash", ...), or null. */
    public static Workload named(String name) {
        return available().stream().filter(w -> w.name().equals(name)).findFirst().orElse(null);
    }

    /** A repository created, committed to twice, diffed, logged, branched, merged and packed. */
    static Workload git() {
        Map<String, String> files = new LinkedHashMap<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            text.append("line ").append(i).append(" of a file that git will diff and pack\n");
        }
        files.put("seed/README", "A small repository for the survey.\n");
        files.put("seed/src/main.c", "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n");
        files.put("seed/notes.txt", text.toString());
        files.put("edit.txt", text.toString().replace("line 17 ", "line seventeen ").replace("line 150", "x"));
        String git = "/usr/bin/git";
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of(git, "init", "-q", "-b", "main", "seed"));
        commands.add(List.of(git, "-C", "seed", "add", "."));
        commands.add(List.of(git, "-C", "seed", "commit", "-q", "-m", "first"));
        commands.add(List.of("cp", "edit.txt", "seed/notes.txt"));
        commands.add(List.of(git, "-C", "seed", "diff", "--stat", "-p"));
        commands.add(List.of(git, "-C", "seed", "status", "--short"));
        commands.add(List.of(git, "-C", "seed", "commit", "-q", "-am", "second"));
        commands.add(List.of(git, "-C", "seed", "checkout", "-q", "-b", "topic", "HEAD~1"));
        commands.add(List.of(git, "-C", "seed", "log", "--all", "--graph", "--stat", "--oneline"));
        commands.add(List.of(git, "-C", "seed", "merge", "-q", "-m", "merge", "main"));
        commands.add(List.of(git, "-C", "seed", "blame", "notes.txt"));
        commands.add(List.of(git, "-C", "seed", "gc", "-q"));
        commands.add(List.of(git, "-C", "seed", "fsck", "--no-progress"));
        Map<String, String> env = Map.of("GIT_CONFIG_NOSYSTEM", "1", "GIT_PAGER", "cat",
                "GIT_AUTHOR_NAME", "Survey", "GIT_AUTHOR_EMAIL", "survey@example.org",
                "GIT_COMMITTER_NAME", "Survey", "GIT_COMMITTER_EMAIL", "survey@example.org");
        return new Workload("git", Path.of(git), files, commands, env);
    }

    /** A script using functions, arrays, associative arrays, substitutions, arithmetic and subshells. */
    static Workload bash() {
        String script = """
                declare -A count
                words=(alpha beta gamma delta epsilon zeta eta theta)
                fib() { local a=0 b=1 i; for ((i = 0; i < $1; i++)); do ((b = a + b, a = b - a)); done; echo $a; }
                for i in $(seq 1 300); do
                  w=${words[i % ${#words[@]}]}
                  count[$w]=$(( ${count[$w]:-0} + i ))
                  s="${w^^}-$i"; s=${s//A/a}; t=${s:1:3}
                  [[ $s =~ ^([A-Za-z]+)-([0-9]+)$ ]] && n=${BASH_REMATCH[2]}
                  printf -v line '%s %05d %s' "$t" "$n" "$(fib $((i % 30)))"
                  lines+=("$line")
                done
                for k in "${!count[@]}"; do echo "$k ${count[$k]}"; done | sort > counts.txt
                while read -r k v; do total=$((total + v)); done < counts.txt
                echo "${#lines[@]} $total" "$(IFS=,; echo "${words[*]}")" > out.txt
                cat <<END >> out.txt
                done: ${lines[0]} ... ${lines[-1]}
                END
                """;
        return new Workload("bash", Path.of("/usr/bin/bash"), Map.of("script.sh", script),
                List.of(List.of("/usr/bin/bash", "script.sh")), Map.of());
    }

    /** A script with classes, dicts, JSON, regular expressions, sorting and string formatting. */
    static Workload python() {
        String script = """
                import json, re, collections, dataclasses

                @dataclasses.dataclass
                class Item:
                    name: str
                    size: int
                    tags: list

                items = [Item(f"item{i}", i * 37 % 1000, [str(j) for j in range(i % 7)]) for i in range(3000)]
                index = {it.name: it for it in items}
                words = collections.Counter(re.findall(r"[a-z]+", " ".join(it.name * 3 for it in items)))
                text = json.dumps([dataclasses.asdict(it) for it in items[:500]], indent=1)
                back = json.loads(text)
                ordered = sorted(items, key=lambda it: (it.size, it.name))
                groups = collections.defaultdict(list)
                for it in ordered:
                    groups[it.size % 10].append(it.name.upper())
                report = "\\n".join(f"{k}: {len(v):4d} {v[0]:>10}" for k, v in sorted(groups.items()))
                assert len(back) == 500 and len(index) == 3000 and words
                open("report.txt", "w").write(report + "\\n")
                """;
        return new Workload("python3.11", Path.of("/usr/bin/python3.11"), Map.of("work.py", script),
                List.of(List.of("/usr/bin/python3.11", "work.py")), Map.of());
    }

    /** A Makefile with pattern rules, functions and variables, built, rebuilt when up to date, and dry-run cleaned. */
    static Workload make() {
        String makefile = """
                NAMES := $(foreach n,1 2 3 4 5 6 7 8 9 10 11 12,part$(n))
                OUT := $(addsuffix .out,$(addprefix build/,$(NAMES)))
                UPPER = $(subst a,A,$(subst e,E,$1))
                all: build/summary.txt
                build/%.out: | build
                \techo '$(call UPPER,$*) $(words $(NAMES)) $(patsubst part%,%,$*)' > $@
                build/summary.txt: $(OUT)
                \tcat $(sort $^) > $@
                build:
                \tmkdir -p $@
                clean:
                \trm -rf build
                .PHONY: all clean
                """;
        String make = "/usr/bin/make";
        return new Workload("make", Path.of(make), Map.of("Makefile", makefile),
                List.of(List.of(make, "-s"), List.of(make, "-s"), List.of(make, "-n", "clean"),
                        List.of(make, "-s", "-j2", "-B")), Map.of());
    }

    /** A script with hashes, regular expressions, sorting, sprintf, split and join. */
    static Workload perl() {
        String script = """
                use strict; use warnings;
                my (%count, @lines);
                for my $i (1 .. 3000) {
                    my $w = join '', map { chr(97 + ($i * $_) % 26) } 1 .. ($i % 9 + 1);
                    $count{$w}++;
                    push @lines, sprintf('%05d %s %s', $i, uc $w, scalar reverse $w);
                }
                my @top = (sort { $count{$b} <=> $count{$a} || $a cmp $b } keys %count)[0 .. 9];
                my $text = join "\\n", grep { /^\\d+ [A-Z]+ ([a-z])\\1?/ } @lines;
                my %split = map { (split / /)[1] => 1 } split /\\n/, $text;
                open my $out, '>', 'out.txt' or die; print $out "@top ", scalar(keys %split), "\\n"; close $out;
                """;
        return new Workload("perl", Path.of("/usr/bin/perl"), Map.of("work.pl", script),
                List.of(List.of("/usr/bin/perl", "work.pl")), Map.of());
    }

    /** cmake's version, and a script in script mode (no compiler): lists, strings, regular expressions, files. */
    static Workload cmake() {
        String script = """
                set(items "")
                foreach(i RANGE 1 400)
                  math(EXPR sq "${i} * ${i}")
                  string(MD5 h "item${i}")
                  string(SUBSTRING "${h}" 0 6 short)
                  list(APPEND items "${short}-${sq}")
                endforeach()
                list(SORT items)
                list(FILTER items INCLUDE REGEX "^[0-9a-c]")
                list(LENGTH items n)
                string(REPLACE "-" "=" joined "${items}")
                string(REGEX MATCHALL "[a-f]+=" keys "${joined}")
                file(WRITE out.txt "${n} ${keys}\\n")
                file(STRINGS out.txt back)
                """;
        String cmake = "/usr/bin/cmake";
        return new Workload("cmake", Path.of(cmake), Map.of("work.cmake", script),
                List.of(List.of(cmake, "--version"), List.of(cmake, "-P", "work.cmake")), Map.of());
    }

    /** Objects, maps, JSON, regular expressions, closures and a small class hierarchy in node. */
    static Workload node() {
        String script = """
                class Shape { constructor(n) { this.n = n; } area() { return 0; } }
                class Square extends Shape { area() { return this.n * this.n; } }
                const m = new Map(); const out = [];
                for (let i = 0; i < 20000; i++) {
                  const s = new Square(i % 97);
                  m.set('k' + (i % 1000), (m.get('k' + (i % 1000)) || 0) + s.area());
                  if (i % 50 === 0) out.push(JSON.stringify({ i, a: s.area(), t: [i, String(i).repeat(3)] }));
                }
                const parsed = out.map(JSON.parse).filter(o => /1/.test(o.t[1]));
                require('fs').writeFileSync('out.txt', [...m.entries()].sort().join('\\n') + parsed.length);
                """;
        return new Workload("node", Path.of("/usr/bin/node"), Map.of("work.js", script),
                List.of(List.of("/usr/bin/node", "work.js")), Map.of());
    }
}
