package dev.gradclip.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gradclip clip} on real safetensors bytes: results, preserved layout, and bad files. */
class ClipCommandTest {
    @TempDir
    Path dir;

    /** Writes a safetensors file: header JSON as given, then {@code data}. */
    private Path file(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static float[] floatsAt(byte[] file, int offset, int n) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getFloat(offset + 4 * i);
        }
        return out;
    }

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ClipCommand.run(List.of(args), new PrintStream(out, true), new PrintStream(err, true));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static final String TWO = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}";

    @Test
    void globalClipWritesTheSameLayoutAndPrintsJson() throws Exception {
        Path in = file("in.safetensors", TWO, floats(3, 4, 12));
        Path out = dir.resolve("out.safetensors");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "global", "--max-norm", "1",
                "--rule", "exact", "--backend", "java");
        assertEquals(0, r.status, r.err);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(r.out.trim());
        assertEquals("java", json.get("backend"));
        assertEquals(13.0, json.get("total_norm"));
        assertEquals(1.0 / 13, (Double) json.get("coefficient"), 1e-17);
        assertEquals(Boolean.TRUE, json.get("clipped"));
        assertEquals(Boolean.FALSE, json.get("nonfinite"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> tensors = (List<Map<String, Object>>) json.get("tensors");
        assertEquals("a", tensors.get(0).get("name"));
        assertEquals(5.0, tensors.get(0).get("norm"));
        assertEquals(12.0, tensors.get(1).get("norm"));

        byte[] before = Files.readAllBytes(in);
        byte[] after = Files.readAllBytes(out);
        assertEquals(before.length, after.length);
        int dataStart = 8 + TWO.getBytes(StandardCharsets.UTF_8).length;
        assertArrayEquals(java.util.Arrays.copyOf(before, dataStart), java.util.Arrays.copyOf(after, dataStart),
                "header kept byte for byte");
        assertArrayEquals(new float[] {(float) (3.0 / 13), (float) (4.0 / 13), (float) (12.0 / 13)},
                floatsAt(after, dataStart, 3));
    }

    @Test
    void valueClipReportsNormsMeasuredBeforeClipping() throws Exception {
        Path in = file("in.safetensors", TWO, floats(3, -4, 0.5f));
        Path out = dir.resolve("v.safetensors");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "value", "--clip-value", "1");
        assertEquals(0, r.status, r.err);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(r.out.trim());
        assertEquals(2L, json.get("clipped_count"));
        int dataStart = 8 + TWO.getBytes(StandardCharsets.UTF_8).length;
        assertArrayEquals(new float[] {1, -1, 0.5f}, floatsAt(Files.readAllBytes(out), dataStart, 3));
    }

    @Test
    void nonFiniteErrorWritesNoFile() throws Exception {
        Path in = file("in.safetensors", TWO, floats(3, Float.NaN, 1));
        Path out = dir.resolve("nan.safetensors");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "global", "--max-norm", "1",
                "--nonfinite", "error");
        assertEquals(1, r.status);
        assertTrue(r.err.contains("non-finite"), r.err);
        assertFalse(Files.exists(out));
        Run p = run("--in", in.toString(), "--out", out.toString(), "--mode", "global", "--max-norm", "1");
        assertEquals(0, p.status, p.err);
        assertTrue(p.out.contains("\"total_norm\":\"NaN\""), p.out);
    }

    private void assertBadFile(Path in, String expected) {
        Path out = dir.resolve("bad-out.safetensors");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "global", "--max-norm", "1");
        assertEquals(1, r.status, r.out);
        assertTrue(r.err.contains(expected), "expected '" + expected + "' in: " + r.err);
        assertFalse(Files.exists(out), "no output file for a bad input");
        assertEquals("", r.out);
    }

    @Test
    void badFilesAreRefusedWithAReasonAndNoOutput() throws Exception {
        Path good = file("good.safetensors", TWO, floats(3, 4, 12));
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 2));
        assertBadFile(truncated, "outside");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertBadFile(tiny, "truncated");
        assertBadFile(file("len.safetensors", "{}", new byte[0]).resolveSibling("len.safetensors"), "no tensors");
        assertBadFile(file("dtype.safetensors", "{\"a\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}",
                new byte[4]), "unsupported dtype 'I8'");
        assertBadFile(file("span.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                new byte[8]), "need 12");
        assertBadFile(file("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "overlap");
        assertBadFile(file("json.safetensors", "{\"a\":[1,}", new byte[0]), "not valid JSON");
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).putLong(0);
        Path hugeHeader = dir.resolve("huge.safetensors");
        Files.write(hugeHeader, huge.array());
        assertBadFile(hugeHeader, "header length");
    }

    @Test
    void blockRmsUsesOptaxsRuleByDefault() throws Exception {
        Path in = file("in.safetensors", TWO, floats(3, 4, 12));
        Path out = dir.resolve("out.safetensors");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "block-rms", "--max-norm", "1", "--backend", "java");
        assertEquals(0, r.status, r.err);
        byte[] written = Files.readAllBytes(out);
        int data = written.length - 12;
        double rmsA = 5 / Math.sqrt(2);
        assertArrayEquals(new float[] {(float) (3 / rmsA), (float) (4 / rmsA), 1f}, floatsAt(written, data, 3));
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(r.out.trim());
        assertEquals(2L, json.get("clipped_count"));
    }

    @Test
    void agcTakesTheParametersByNameAndClipsRows() throws Exception {
        // a: one unit (1-D): g = 5, w = 1 -> limit 0.5 -> scaled by 0.1. b: [1,1]: g = 12, w = 1000 -> kept.
        Path in = file("g.safetensors", TWO, floats(3, 4, 12));
        String paramsHeader = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        Path params = file("w.safetensors", paramsHeader, floats(1000, 1, 0));
        Path out = dir.resolve("out.safetensors");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "agc", "--clip-factor", "0.5",
                "--params", params.toString(), "--backend", "java");
        assertEquals(0, r.status, r.err);
        byte[] written = Files.readAllBytes(out);
        assertArrayEquals(new float[] {0.3f, 0.4f, 12f}, floatsAt(written, written.length - 12, 3));
        Run missing = run("--in", in.toString(), "--out", dir.resolve("x.safetensors").toString(), "--mode", "agc",
                "--clip-factor", "0.5", "--params", in.toString().replace("g.", "nope."), "--backend", "java");
        assertEquals(1, missing.status);
        assertFalse(Files.exists(dir.resolve("x.safetensors")));
    }

    @Test
    void perSampleWritesTheClippedSumWithoutTheBatchDimension() throws Exception {
        // Two samples of x[2]: [3, 4] (norm 5) and [0.3, 0.4] (0.5). C = 1, exact rule, mean.
        String header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        Path in = file("ps.safetensors", header, floats(3, 4, 0.3f, 0.4f));
        Path out = dir.resolve("agg.safetensors");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "per-sample-flat", "--max-norm", "1",
                "--batch", "2", "--rule", "exact", "--mean", "--backend", "java");
        assertEquals(0, r.status, r.err);
        byte[] written = Files.readAllBytes(out);
        assertTrue(new String(written, StandardCharsets.UTF_8).contains("\"shape\":[2]"));
        assertArrayEquals(new float[] {(float) ((0.6 + (double) 0.3f) / 2), (float) ((0.8 + (double) 0.4f) / 2)},
                floatsAt(written, written.length - 8, 2), 1e-7f);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(r.out.trim());
        assertEquals(List.of(5.0, 0.5), ((List<?>) json.get("samples")).stream()
                .map(v -> Math.round((Double) v * 1e6) / 1e6).toList());
        Run wrongBatch = run("--in", in.toString(), "--out", dir.resolve("y.safetensors").toString(),
                "--mode", "per-sample-layer", "--max-norm", "1", "--batch", "3", "--backend", "java");
        assertEquals(1, wrongBatch.status);
        assertTrue(wrongBatch.err.contains("leading batch dimension"), wrongBatch.err);
    }

    @Test
    void autoClipKeepsItsHistoryInTheStateFile() throws Exception {
        Path state = dir.resolve("autoclip.json");
        Path out = dir.resolve("out.safetensors");
        // Step 1: norm 13, history [13]: the threshold is 13 itself, no clip.
        Path first = file("s1.safetensors", TWO, floats(3, 4, 12));
        Run r1 = run("--in", first.toString(), "--out", out.toString(), "--mode", "autoclip", "--percentile", "0",
                "--state", state.toString(), "--backend", "java");
        assertEquals(0, r1.status, r1.err);
        assertTrue(Files.readString(state).contains("\"history\":[13.0]"), Files.readString(state));
        // Step 2: norm 26; the 0th percentile of [13, 26] is 13: clipped by about 1/2.
        Path second = file("s2.safetensors", TWO, floats(6, 8, 24));
        Run r2 = run("--in", second.toString(), "--out", out.toString(), "--mode", "autoclip", "--percentile", "0",
                "--state", state.toString(), "--backend", "java");
        assertEquals(0, r2.status, r2.err);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(r2.out.trim());
        assertEquals(13.0, json.get("threshold"));
        assertEquals(Boolean.TRUE, json.get("clipped"));
        byte[] written = Files.readAllBytes(out);
        assertArrayEquals(new float[] {3f, 4f, 12f}, floatsAt(written, written.length - 12, 3), 1e-5f);
        Files.writeString(state, "{\"kind\":\"zclip\"}");
        Run wrong = run("--in", second.toString(), "--out", out.toString(), "--mode", "autoclip", "--state", state.toString(),
                "--backend", "java");
        assertEquals(1, wrong.status);
        assertTrue(wrong.err.contains("autoclip state"), wrong.err);
    }

    @Test
    void ampUnscalesAndClipsInOnePassAndKeepsTheLossScale() throws Exception {
        // Gradients held at loss scale 1024: unscaled [3, 4, 12] (norm 13), clipped to 6.5.
        Path in = file("amp.safetensors", TWO, floats(3 * 1024, 4 * 1024, 12 * 1024));
        Path out = dir.resolve("out.safetensors");
        Path state = dir.resolve("amp.json");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "amp", "--max-norm", "6.5", "--rule", "exact",
                "--loss-scale", "1024", "--state", state.toString(), "--backend", "java");
        assertEquals(0, r.status, r.err);
        byte[] written = Files.readAllBytes(out);
        assertArrayEquals(new float[] {1.5f, 2f, 6f}, floatsAt(written, written.length - 12, 3));
        assertTrue(Files.readString(state).contains("\"scale\":1024.0"), Files.readString(state));
        assertTrue(Files.readString(state).contains("\"growth_tracker\":1"), Files.readString(state));
        Path inf = file("inf.safetensors", TWO, floats(Float.POSITIVE_INFINITY, 1, 1));
        Run overflow = run("--in", inf.toString(), "--out", out.toString(), "--mode", "amp", "--max-norm", "1",
                "--state", state.toString(), "--backend", "java");
        assertEquals(0, overflow.status, overflow.err);
        assertTrue(Files.readString(state).contains("\"scale\":512.0"), "backed off: " + Files.readString(state));
    }

    @Test
    void zClipWarmsUpFromTheStateFile() throws Exception {
        Path state = dir.resolve("z.json");
        Files.writeString(state, "{\"kind\":\"zclip\",\"steps\":30,\"mean\":1.0,\"variance\":0.01,\"warmup_norms\":[]}");
        Path in = file("spike.safetensors", TWO, floats(3, 4, 12)); // norm 13: a spike far beyond 1 + 2.5 · 0.1
        Path out = dir.resolve("out.safetensors");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "zclip", "--state", state.toString(),
                "--backend", "java");
        assertEquals(0, r.status, r.err);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(r.out.trim());
        assertEquals(Boolean.TRUE, json.get("clipped"));
        assertEquals(1.25, (Double) json.get("threshold"), 1e-12);
        assertTrue(Files.readString(state).contains("\"steps\":31"), Files.readString(state));
    }

    @Test
    void badArgumentsExitTwo() throws Exception {
        assertEquals(2, run("--mode", "global").status);
        assertEquals(2, run("--in", "a", "--out", "b", "--mode", "value", "--max-norm", "1").status);
        assertEquals(2, run("--in", "a", "--out", "b", "--mode", "global", "--max-norm", "x").status);
        assertEquals(2, run("--in", "a", "--out", "b", "--mode", "sideways", "--max-norm", "1").status);
    }

    @Test
    void bf16AndF16AndMisalignedOffsetsRoundTrip() throws Exception {
        // bf16 1.0 = 0x3F80, f16 1.0 = 0x3C00; the f16 tensor starts at an odd offset to force a copy.
        String header = "{\"h\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"pad\":{\"dtype\":\"BF16\",\"shape\":[0],\"data_offsets\":[4,4]},"
                + "\"f\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[5,7]}}";
        byte[] data = {(byte) 0x80, 0x3F, (byte) 0x80, 0x3F, 0, 0x00, 0x3C};
        Path in = file("half.safetensors", header, data);
        Path out = dir.resolve("half-out.safetensors");
        Run r = run("--in", in.toString(), "--out", out.toString(), "--mode", "global", "--max-norm", "0.5",
                "--rule", "exact", "--backend", "java");
        assertEquals(0, r.status, r.err);
        byte[] after = Files.readAllBytes(out);
        int start = after.length - data.length;
        // norm sqrt(3), coef 0.5/sqrt(3) = 0.288675: bf16 0x3E94, f16 0x349E
        assertEquals(0x3E94, (after[start] & 0xff) | (after[start + 1] & 0xff) << 8);
        assertEquals(0x349E, (after[start + 5] & 0xff) | (after[start + 6] & 0xff) << 8);
    }
}
