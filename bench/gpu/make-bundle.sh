#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for bench/gpu/device-check.sh on a GPU machine that has CUDA and
# Python but no Java: a jlink'ed runtime, the library and test jars, the JUnit console launcher, the
# native CUDA test and benchmark programs and the libraries they load. Keep it under 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .mvn/find-jdk.sh
./mvnw -q -B -DskipTests package -pl java,bench
b=.device
rm -rf "$b" && mkdir -p "$b/lib" "$b/bin"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$b/jre"
cp java/target/gradclip-0.1.0-SNAPSHOT.jar "$b/gradclip.jar"
cp java/target/gradclip-0.1.0-SNAPSHOT-tests.jar "$b/gradclip-tests.jar"
./mvnw -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
  -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 -DoutputDirectory="$b"
mv "$b"/junit-platform-console-standalone-*.jar "$b/junit-console.jar"
cp java/target/classes/META-INF/native/linux-x86_64/*.so "$b/lib/"
# ./gradclip bench's Java side, to time the cuda backend from Java as a user would.
mkdir -p "$b/benchlib"
cp bench/target/gradclip-bench-0.1.0-SNAPSHOT.jar "$b/benchlib/"
tr ':' '\n' < bench/target/classpath.txt | grep -v '/gradclip-0.1.0-SNAPSHOT.jar$' | xargs -r -I{} cp {} "$b/benchlib/"
cp java/target/native-build/src/cuda/gradclip_cuda_bench "$b/bin/"
cp java/target/native-build/tests/cuda/gradclip_cuda_parity_test "$b/bin/"
du -sh "$b"
