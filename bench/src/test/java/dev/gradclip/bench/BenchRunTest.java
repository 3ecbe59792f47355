package dev.gradclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole run on a small set of the user's: every mode, the java backend and the java loop peer. */
class BenchRunTest {
    @Test
    void aSmallRunMeasuresEveryModeChecksItAndWritesEveryReport(@TempDir Path dir) throws IOException {
        Path shapes = dir.resolve("small.txt");
        Files.write(shapes, List.of("emb 1000x64", "bias 64", "t 3x5x7"));
        Path json = dir.resolve("out.json");
        Path csv = dir.resolve("out.csv");
        Path plot = dir.resolve("out.png");
        BenchOptions options = BenchOptions.parse(List.of("--shapes", shapes.toString(), "--backend", "java",
                "--peers", "javaloop", "--warmup", "1", "--reps", "3", "--dtype", "f32,bf16",
                "--json", json.toString(), "--csv", csv.toString(), "--plot", plot.toString()));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        int status = new BenchRun(options, new PrintStream(text, true, StandardCharsets.UTF_8),
                new Progress(new PrintStream(progress), false)).run();
        String out = text.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("== small f32: 3 tensors, 64,169 elements"), out);
        assertTrue(out.contains("javaloop"), out);

        JSONArray records = new JSONArray(Files.readString(json));
        Set<String> cases = new HashSet<>();
        for (int i = 0; i < records.length(); i++) {
            JSONObject r = records.getJSONObject(i);
            assertEquals("ok", r.getString("check"), r.toString());
            assertEquals("small", r.getString("set"));
            cases.add(r.getString("kind") + " " + r.getString("backend") + " " + r.getString("mode") + " " + r.getString("dtype"));
            if (!r.getString("kind").equals("floor")) {
                assertTrue(r.getDouble("pct_of_floor") > 0, r.toString());
            }
        }
        for (String dtype : List.of("f32", "bf16")) {
            for (String floor : List.of("read", "copy", "in-place")) {
                assertTrue(cases.contains("floor floor " + floor + " " + dtype), cases.toString());
            }
            for (Mode mode : Mode.DEFAULTS) {
                assertTrue(cases.contains("backend java " + mode.cliName() + " " + dtype), cases.toString());
                assertTrue(cases.contains("peer javaloop " + mode.cliName() + " " + dtype), cases.toString());
            }
        }
        assertEquals(records.length() + 1, Files.readAllLines(csv).size());
        assertTrue(ImageIO.read(plot.toFile()).getWidth() > 0);
    }

    /**
     * The modes with parameters and samples, on java and (where libgradclip_cpu loads and has them) cpu:
     * every row passes its check, and its floor follows {@link Mode#traffic} from the floors measured in
     * the same run.
     */
    @Test
    void theParameterAndSampleModesRunCheckedWithTheirDocumentedFloors(@TempDir Path dir) throws IOException {
        Path shapes = dir.resolve("small.txt");
        Files.write(shapes, List.of("emb 1000x64", "bias 64", "t 3x5x7"));
        Path json = dir.resolve("out.json");
        List<Mode> modes = List.of(Mode.BLOCK_RMS, Mode.AGC, Mode.AGC_NOCLIP, Mode.PER_SAMPLE, Mode.PER_SAMPLE_NOISE);
        BenchOptions options = BenchOptions.parse(List.of("--shapes", shapes.toString(), "--backend", "java,cpu",
                "--peers", "javaloop", "--reps", "3", "--batch", "3", "--json", json.toString(),
                "--mode", "block-rms,agc,agc-noclip,per-sample,per-sample-noise"));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        int status = new BenchRun(options, new PrintStream(text, true, StandardCharsets.UTF_8),
                new Progress(new PrintStream(new ByteArrayOutputStream()), false)).run();
        String out = text.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("peer javaloop: per-sample-noise not supported"), out);
        assertTrue(out.contains("batch 3"), out);

        JSONArray records = new JSONArray(Files.readString(json));
        double readGbPerS = 0;
        double copyGbPerS = 0;
        for (int i = 0; i < records.length(); i++) {
            JSONObject r = records.getJSONObject(i);
            if (r.getString("kind").equals("floor")) {
                if (r.getString("mode").equals("read")) {
                    readGbPerS = r.getDouble("gb_per_s");
                } else {
                    copyGbPerS = Math.max(copyGbPerS, r.getDouble("gb_per_s"));
                }
            }
        }
        Set<String> cases = new HashSet<>();
        for (int i = 0; i < records.length(); i++) {
            JSONObject r = records.getJSONObject(i);
            if (r.getString("kind").equals("floor")) {
                continue;
            }
            assertEquals("ok", r.getString("check"), r.toString());
            Mode mode = Mode.fromCliName(r.getString("mode"));
            cases.add(r.getString("backend") + " " + mode.cliName());
            long bytes = r.getLong("bytes");
            int batch = mode.perSample() ? r.getInt("batch") : 0;
            assertEquals(mode.perSample() ? 3 : 0, batch, r.toString());
            double expected = (mode.readPasses() * (mode.perSample() ? batch : 1) * (double) bytes / readGbPerS
                    + mode.copyPasses() * 2.0 * bytes / copyGbPerS) / 1e6;
            assertEquals(expected, r.getDouble("floor_ms"), 1e-3 * expected, r.toString());
        }
        for (Mode mode : modes) {
            assertTrue(cases.contains("java " + mode.cliName()), cases.toString());
            assertEquals(mode != Mode.PER_SAMPLE_NOISE, cases.contains("javaloop " + mode.cliName()), cases.toString());
            assertTrue(cases.contains("cpu " + mode.cliName()) || out.contains("skipped:  backend cpu")
                    || out.contains(" " + mode.cliName() + " cpu: "), "cpu ran " + mode.cliName() + " or is listed as skipped: " + out);
        }
    }

    /**
     * autoclip, zclip and amp on java, cpu (where libgradclip_cpu loads) and the Java loop: every row
     * passes its check (every run clipped), the floors are global-clip's, and each block says what the
     * unfused PyTorch amp step would move.
     */
    @Test
    void theAdaptiveModesRunCheckedWithGlobalClipsFloorAndTheAmpComparison(@TempDir Path dir) throws IOException {
        Path shapes = dir.resolve("small.txt");
        Files.write(shapes, List.of("emb 1000x64", "bias 64", "t 3x5x7"));
        Path json = dir.resolve("out.json");
        BenchOptions options = BenchOptions.parse(List.of("--shapes", shapes.toString(), "--backend", "java,cpu",
                "--peers", "javaloop", "--reps", "4", "--dtype", "f32,f16", "--json", json.toString(),
                "--mode", "global-clip,autoclip,zclip,amp"));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        int status = new BenchRun(options, new PrintStream(text, true, StandardCharsets.UTF_8),
                new Progress(new PrintStream(new ByteArrayOutputStream()), false)).run();
        String out = text.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("peer javaloop: autoclip not supported"), out);
        assertTrue(out.contains("peer javaloop: zclip not supported"), out);
        assertTrue(out.contains("amp on host: floor ") && out.contains("(5B): floor "), out);

        JSONArray records = new JSONArray(Files.readString(json));
        Set<String> cases = new HashSet<>();
        java.util.Map<String, Double> globalFloor = new java.util.HashMap<>();
        for (int i = 0; i < records.length(); i++) {
            JSONObject r = records.getJSONObject(i);
            if (r.getString("mode").equals("global-clip") && r.getString("kind").equals("backend")) {
                globalFloor.put(r.getString("dtype"), r.getDouble("floor_ms"));
            }
        }
        for (int i = 0; i < records.length(); i++) {
            JSONObject r = records.getJSONObject(i);
            if (r.getString("kind").equals("floor")) {
                continue;
            }
            assertEquals("ok", r.getString("check"), r.toString());
            assertEquals(4, r.getInt("runs"), r.toString());
            assertTrue(r.getBoolean("clipping"), r.toString());
            assertEquals(globalFloor.get(r.getString("dtype")), r.getDouble("floor_ms"), 1e-12, r.toString());
            cases.add(r.getString("backend") + " " + r.getString("mode") + " " + r.getString("dtype"));
        }
        for (String dtype : List.of("f32", "f16")) {
            for (Mode mode : List.of(Mode.AUTOCLIP, Mode.ZCLIP, Mode.AMP)) {
                assertTrue(cases.contains("java " + mode.cliName() + " " + dtype), cases.toString());
                assertTrue(cases.contains("cpu " + mode.cliName() + " " + dtype) || out.contains("skipped:  backend cpu"),
                        "cpu ran " + mode.cliName() + " or is listed as skipped: " + out);
            }
            assertTrue(cases.contains("javaloop amp " + dtype), cases.toString());
        }
    }
}
