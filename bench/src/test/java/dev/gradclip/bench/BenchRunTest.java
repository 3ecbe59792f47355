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
            for (Mode mode : Mode.values()) {
                assertTrue(cases.contains("backend java " + mode.cliName() + " " + dtype), cases.toString());
                assertTrue(cases.contains("peer javaloop " + mode.cliName() + " " + dtype), cases.toString());
            }
        }
        assertEquals(records.length() + 1, Files.readAllLines(csv).size());
        assertTrue(ImageIO.read(plot.toFile()).getWidth() > 0);
    }
}
