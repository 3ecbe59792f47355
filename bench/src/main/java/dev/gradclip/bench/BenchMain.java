package dev.gradclip.bench;

import java.io.IOException;
import java.util.List;

/** {@code ./gradclip bench}: see {@link BenchOptions#USAGE} and bench/README.md. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(List.of(args)));
    }

    static int run(List<String> args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("gradclip bench: " + e.getMessage());
            return 2;
        }
        if (options.help()) {
            System.out.print(BenchOptions.USAGE);
            return 0;
        }
        try {
            return new BenchRun(options, System.out, Progress.onStderr()).run();
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("gradclip bench: " + e.getMessage());
            return 1;
        }
    }
}
