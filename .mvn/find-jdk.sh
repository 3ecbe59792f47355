# Sourced by ./mvnw, ./gradclip and .ci/run: make JAVA_HOME a JDK >= 22 (java.lang.foreign is final
# in 22) when the one in use is older. Keeps a suitable JAVA_HOME or `java` on PATH as it is; else
# takes the newest JDK >= 22 under the usual install roots. Prints nothing unless it fails.
gradclip_java_major() { # $1: a java executable -> its feature version, or 0
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}
gradclip_find_jdk() {
  local min=22 cand best="" best_v=0 v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    v=$(gradclip_java_major "$JAVA_HOME/bin/java"); [ "${v:-0}" -ge $min ] && return 0
  elif [ -z "${JAVA_HOME:-}" ] && command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; then
    v=$(gradclip_java_major java); [ "${v:-0}" -ge $min ] && return 0
  fi
  local noglob=0
  case $- in *f*) noglob=1; set +f ;; esac # mvnw runs with globbing off
  for cand in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    v=$(gradclip_java_major "$cand/bin/java")
    if [ "${v:-0}" -ge $min ] && [ "${v:-0}" -gt "$best_v" ]; then best="$cand"; best_v=$v; fi
  done
  [ $noglob = 1 ] && set -f
  if [ -n "$best" ]; then
    export JAVA_HOME="$best"
    return 0
  fi
  echo "gradclip: needs a JDK >= $min (found none: JAVA_HOME='${JAVA_HOME:-}', java on PATH too old or missing);" \
       "install one (e.g. Temurin 25) and set JAVA_HOME" >&2
  return 1
}
gradclip_find_jdk
