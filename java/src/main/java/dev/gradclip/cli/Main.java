package dev.gradclip.cli;

import dev.gradclip.Backend;
import dev.gradclip.GradClip;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The library's command line: {@code clip} and {@code info}. The launcher sends {@code bench} and {@code demo} elsewhere. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(List.of(args)));
    }

    static int run(List<String> args) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            System.out.println("""
                    usage: gradclip <verb> [options]
                      clip    clip the gradients in a safetensors file (gradclip clip --help)
                      info    which backends load here, and why not
                      bench   CPU vs GPU vs peers against the memory-bandwidth floor
                      demo    a training run that explodes without clipping""");
            return args.isEmpty() ? 2 : 0;
        }
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (args.get(0)) {
                case "clip" -> {
                    if (rest.contains("--help")) {
                        System.out.println(ClipCommand.USAGE);
                        yield 0;
                    }
                    yield ClipCommand.run(rest, System.out, System.err);
                }
                case "info" -> info();
                default -> {
                    System.err.println("gradclip: unknown verb '" + args.get(0) + "' (try --help)");
                    yield 2;
                }
            };
        } catch (IllegalArgumentException | IllegalStateException | dev.gradclip.GradClipException e) {
            System.err.println("gradclip: " + e.getMessage());
            return 1;
        }
    }

    private static int info() {
        for (Map.Entry<Backend, String> e : GradClip.availability().entrySet()) {
            System.out.printf("%-5s %s%n", e.getKey().name().toLowerCase(Locale.ROOT), e.getValue());
        }
        return 0;
    }
}
