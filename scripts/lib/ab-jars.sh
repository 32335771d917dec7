# Sourced by ab-bench and ab-memory: jar_of REV prints the path of REV's benchmarks JAR, building it if needed.
# REV is a commit (built once from a detached worktree, kept in target/ab/) or "." for the working tree as it is.
# Expects $root, and the JDK and MAVEN_OPTS set up by the caller.
jar_of() {
  local rev="$1" out
  if [ "$rev" = "." ]; then
    mvn -B -q -o -Dstyle.color=never package -DskipTests -pl lgmalloc-bench -am >&2
    out="$root/target/ab/worktree.jar"
    mkdir -p "$root/target/ab" && cp lgmalloc-bench/target/lgmalloc-benchmarks.jar "$out"
  else
    local hash; hash="$(git rev-parse --verify "$rev^{commit}")"
    out="$root/target/ab/$hash.jar"
    if [ ! -f "$out" ]; then
      local tree; tree="$(mktemp -d -t lgmalloc-ab.XXXXXX)"
      git worktree add -f --detach "$tree" "$hash" >/dev/null 2>&1
      (cd "$tree" && mvn -B -q -o -Dstyle.color=never package -DskipTests -pl lgmalloc-bench -am >&2)
      mkdir -p "$root/target/ab" && cp "$tree/lgmalloc-bench/target/lgmalloc-benchmarks.jar" "$out"
      git worktree remove -f "$tree"
    fi
  fi
  echo "$out"
}
