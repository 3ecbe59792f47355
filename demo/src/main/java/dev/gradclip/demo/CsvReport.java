package dev.gradclip.demo;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --csv FILE}: every run's curves, one row per run and step, in long form so a spreadsheet or
 * pandas can pivot it: {@code run,step,loss,grad_norm,clipped}. Values are written in full (Java's
 * shortest exact form), so the same seed gives the same file byte for byte.
 */
final class CsvReport {
    static final String HEADER = "run,step,loss,grad_norm,clipped";

    private CsvReport() {}

    /** Writes the runs to {@code file}, creating its folder if needed. */
    static void write(List<RunHistory> runs, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(HEADER);
            out.write('\n');
            for (RunHistory run : runs) {
                String key = run.mode().key();
                for (int i = 0; i < run.steps(); i++) {
                    out.write(key + ',' + i + ',' + run.loss(i) + ',' + run.gradNorm(i) + ',' + (run.clipped(i) ? 1 : 0) + '\n');
                }
            }
        }
    }
}
