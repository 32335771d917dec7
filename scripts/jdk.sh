# Sourced by the project's scripts: exports JAVA_HOME pointing at a JDK 25 or newer.
# Order: $JAVA_HOME if it is 25+, then JDKs installed under /usr/lib/jvm (newest first).

lgmalloc_java_feature() {   # prints the feature version of the JDK at $1, or nothing
  local release="$1/release"
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
  fi
}

lgmalloc_find_jdk() {
  local candidate feature
  if [ -n "${JAVA_HOME:-}" ]; then
    feature=$(lgmalloc_java_feature "$JAVA_HOME")
    if [ -n "$feature" ] && [ "$feature" -ge 25 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate=${candidate%/}
    feature=$(lgmalloc_java_feature "$candidate")
    if [ -n "$feature" ] && [ "$feature" -ge 25 ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if ! LGMALLOC_JDK=$(lgmalloc_find_jdk); then
  echo "lgmalloc: no JDK 25 or newer found (JAVA_HOME=${JAVA_HOME:-unset}, nothing suitable in /usr/lib/jvm)." >&2
  echo "lgmalloc: install one (for example Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$LGMALLOC_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
