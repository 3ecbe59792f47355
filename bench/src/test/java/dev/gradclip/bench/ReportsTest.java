package dev.gradclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

class ReportsTest {
    private static final ShapeSet SET = BuiltinSets.uniform("s", 2, 1000);
    private static final Floor FLOOR = new Floor(10, 20, "test");

    private static List<Result> sample() {
        Stats stats = new Stats(2.5, 2.0, 3.0, 5);
        Result cpu = Result.of("backend", "cpu", "host", SET, "f32", Mode.GLOBAL_CLIP, 8000, 1, stats, FLOOR, "ok",
                "cpu (avx512, 2 threads)");
        Result peer = Result.of("peer", "pytorch", "host", SET, "f32", Mode.GLOBAL_CLIP, 8000, 1, new Stats(5, 4, 6, 3),
                FLOOR, "norm 1.5, reference 1.0 (\"way\" off)\nsecond line", "torch 2.4, 2 threads, a,b");
        Result floor = Result.floor("host", SET, "f32", 8000, "read", stats, "host floor");
        return BenchRun.withSpeedups(List.of(floor, cpu, peer));
    }

    @Test
    void jsonIsAnArrayWithOneObjectPerMeasurementAndEveryDocumentedField() {
        JSONArray array = new JSONArray(JsonReport.toJson(sample()));
        assertEquals(3, array.length());
        for (int i = 0; i < array.length(); i++) {
            JSONObject o = array.getJSONObject(i);
            for (String key : List.of("kind", "backend", "device", "set", "mode", "dtype", "clipping", "tensors", "elements",
                    "bytes", "batch", "runs", "ms_median", "ms_min", "ms_max", "gb_per_s", "floor_ms", "pct_of_floor", "check",
                    "speedup", "fastest_backend", "note")) {
                assertTrue(o.has(key), () -> "record lacks " + key + ": " + o);
            }
        }
        JSONObject cpu = array.getJSONObject(1);
        assertEquals("cpu", cpu.getString("backend"));
        assertEquals(true, cpu.getBoolean("clipping"));
        assertEquals(2.5, cpu.getDouble("ms_median"));
        assertEquals(8000, cpu.getLong("bytes"));
        assertTrue(cpu.isNull("speedup"), "a backend has no speed-up: null, not NaN");
        assertTrue(cpu.isNull("batch"), "only the per-sample modes have a batch");
        JSONObject peer = array.getJSONObject(2);
        assertEquals(2.0, peer.getDouble("speedup"), 1e-12);
        assertEquals("cpu", peer.getString("fastest_backend"));
        assertEquals("norm 1.5, reference 1.0 (\"way\" off)\nsecond line", peer.getString("check"), "escaping round-trips");
    }

    @Test
    void csvHasAHeaderAndQuotesCellsThatNeedIt() {
        String[] lines = CsvReport.toCsv(sample()).split("\n", -1);
        assertTrue(lines[0].startsWith("kind,backend,device,set,mode,dtype,clipping,"));
        assertEquals(22, lines[0].split(",").length);
        assertTrue(lines[1].startsWith("floor,floor,host,s,read,f32,false,2,2000,8000,,5,2.5,2.0,3.0,"));
        assertTrue(lines[2].contains(",,"), "an absent figure is an empty cell");
        assertTrue(lines[3].contains("\"norm 1.5, reference 1.0 (\"\"way\"\" off)"), lines[3]);
    }

    @Test
    void theTableShowsPercentOfFloorSpeedUpAndFailedChecks() {
        String table = TableReport.block("s f32", sample());
        assertTrue(table.contains("== s f32 =="));
        assertTrue(table.contains("cpu is 2.0x faster"), table);
        assertTrue(table.contains("CHECK FAILED: norm 1.5"), table);
        assertTrue(table.contains("% floor") || table.contains("%floor"));
        assertEquals("1.5x slower", TableReport.speedup(1 / 1.5));
    }

    @Test
    void withoutATerminalProgressIsOneLinePerStepWithoutCarriageReturns() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Progress p = new Progress(new java.io.PrintStream(bytes, true), false);
        p.update("s f32 norm cpu: warm-up 1/1");
        p.update("s f32 norm cpu: run 1/5");
        p.update("s f32 value cpu: run 1/5");
        p.log("skipped x");
        assertEquals("s f32 norm cpu\ns f32 value cpu\nskipped x\n", bytes.toString().replace("\r\n", "\n"));
    }

    @Test
    void thePlotDrawsABarPerBackendAndCase() {
        BufferedImage image = PlotReport.draw(sample());
        assertTrue(image.getWidth() >= 640 && image.getHeight() > 400);
        boolean coloured = false;
        for (int x = 0; x < image.getWidth() && !coloured; x++) {
            for (int y = 0; y < image.getHeight() && !coloured; y++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                coloured = rgb == 0x1f77b4; // the first implementation's bar colour
            }
        }
        assertTrue(coloured, "no bar drawn");
    }
}
