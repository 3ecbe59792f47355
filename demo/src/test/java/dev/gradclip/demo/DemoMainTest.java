package dev.gradclip.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command end to end, on a small model and few steps: outputs written, output reproducible, errors clear. */
class DemoMainTest {
    @TempDir
    Path dir;

    record Outcome(int status, String out, String err) {}

    static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = DemoMain.run(List.of(args), o, e, false);
        }
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    List<String> smallRun(String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("--backend", "java", "--steps", "40", "--hidden", "24", "--seq-len", "24",
                "--plot", dir.resolve(name + ".png").toString(), "--csv", dir.resolve(name + ".csv").toString()));
        args.addAll(List.of(extra));
        return args;
    }

    @Test
    void writesThePngTheCsvAndTheVerdictTable() throws Exception {
        Outcome r = run(smallRun("a").toArray(String[]::new));
        assertEquals(0, r.status(), r.err());

        BufferedImage png = ImageIO.read(dir.resolve("a.png").toFile());
        assertEquals(Plot.WIDTH, png.getWidth());
        assertEquals(Plot.HEIGHT, png.getHeight());

        List<String> csv = Files.readAllLines(dir.resolve("a.csv"));
        assertEquals(CsvReport.HEADER, csv.get(0));
        for (ClipMode mode : ClipMode.values()) {
            long rows = csv.stream().filter(l -> l.startsWith(mode.key() + ",")).count();
            assertTrue(rows >= 1 && rows <= 40, mode + ": " + rows + " rows");
            assertTrue(r.out().contains("] " + mode.label()), "no progress line for " + mode + ":\n" + r.out());
        }
        assertTrue(csv.stream().filter(l -> l.startsWith("global-norm,")).count() == 40);
        String[] first = csv.get(1).split(",");
        assertEquals(5, first.length);
        assertEquals("none", first[0]);
        assertEquals("0", first[1]);

        assertTrue(r.out().contains("final loss"), r.out());
        assertTrue(r.out().contains("clip rate"), r.out());
        assertTrue(r.err().contains("s in all"), r.err());
    }

    @Test
    void theSameSeedPrintsTheSameOutputAndCsv() throws Exception {
        Outcome a = run(smallRun("a", "--seed", "5", "--runs", "none,global-norm").toArray(String[]::new));
        Outcome b = run(smallRun("b", "--seed", "5", "--runs", "none,global-norm").toArray(String[]::new));
        assertEquals(0, a.status(), a.err());
        assertEquals(a.out().replace("a.png", "X").replace("a.csv", "Y"), b.out().replace("b.png", "X").replace("b.csv", "Y"));
        assertEquals(Files.readString(dir.resolve("a.csv")), Files.readString(dir.resolve("b.csv")));
    }

    @Test
    void cudaWithoutAGpuFailsWithTheLibrarysMessage() {
        Outcome r = run(smallRun("c", "--backend", "cuda").toArray(String[]::new));
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("gradclip demo: "), r.err());
        assertTrue(r.err().contains("cuda"), r.err());
        assertTrue(Files.notExists(dir.resolve("c.png")));
    }

    @Test
    void badOptionsAreRefusedByName() {
        Outcome r = run("--steps", "zero");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--steps"), r.err());
        Outcome u = run("--frobnicate", "1");
        assertEquals(2, u.status());
        assertTrue(u.err().contains("--frobnicate"), u.err());
    }

    @Test
    void helpPrintsUsage() {
        Outcome r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("--max-norm"), r.out());
    }
}
