package dev.gradclip.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {
    @Test
    void defaults() {
        DemoOptions o = DemoOptions.parse(List.of());
        assertEquals(Backend.AUTO, o.backend());
        assertEquals(1000, o.steps());
        assertEquals(20, o.learningRate());
        assertEquals(List.of(ClipMode.values()), o.runs());
        assertEquals(Path.of("demo-out", "demo.png"), o.plot());
    }

    @Test
    void everyOption() {
        DemoOptions o = DemoOptions.parse(List.of("--backend", "cpu", "--steps", "10", "--seed=9", "--lr", "0.5",
                "--hidden", "16", "--seq-len", "8", "--max-norm", "1", "--clip-value", "0.1", "--runs", "value,none",
                "--plot", "p.png", "--csv", "c.csv"));
        assertEquals(Backend.CPU, o.backend());
        assertEquals(new Trainer.Settings(10, 8, 0.5, 1, 0.1, 9), o.settings());
        assertEquals(16, o.hidden());
        assertEquals(List.of(ClipMode.VALUE, ClipMode.NONE), o.runs());
        assertEquals(Path.of("p.png"), o.plot());
        assertEquals(Path.of("c.csv"), o.csv());
    }

    @Test
    void badValuesNameTheOption() {
        for (List<String> args : List.of(List.of("--lr", "-1"), List.of("--lr", "NaN"), List.of("--steps", "0"),
                List.of("--backend", "tpu"), List.of("--runs", "adam"), List.of("--max-norm"), List.of("stray"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse(args));
            assertTrue(e.getMessage().contains(args.get(0).replaceFirst("=.*", "")) || e.getMessage().contains(args.get(args.size() - 1)),
                    args + ": " + e.getMessage());
        }
    }
}
