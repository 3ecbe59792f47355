package dev.gradclip.bench;

import java.io.PrintStream;

/**
 * The progress line on stderr: rewritten in place on a terminal; otherwise one line per step (the part
 * of the line before ": "), so that a log file gets a line per case and no carriage returns.
 */
public final class Progress {
    private final PrintStream out;
    private final boolean terminal;
    private int lastLength;
    private String lastStep = "";

    /** @param terminal true to rewrite one line with '\r' */
    public Progress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** {@return progress on System.err, in place when the JVM runs in a terminal} */
    public static Progress onStderr() {
        java.io.Console console = System.console();
        return new Progress(System.err, console != null && console.isTerminal());
    }

    /** Shows what runs now, e.g. "gpt2-124m f32 norm cpu: run 2/5"; on a terminal, replaces the previous line. */
    public void update(String line) {
        if (terminal) {
            String pad = line.length() < lastLength ? " ".repeat(lastLength - line.length()) : "";
            out.print("\r" + line + pad);
            lastLength = line.length();
            out.flush();
            return;
        }
        int colon = line.indexOf(": ");
        String step = colon < 0 ? line : line.substring(0, colon);
        if (!step.equals(lastStep)) {
            lastStep = step;
            out.println(step);
            out.flush();
        }
    }

    /** Shows a line that stays (a new case, a skip, a note). */
    public void log(String line) {
        clear();
        out.println(line);
        out.flush();
    }

    /** Removes the in-place line, before the table goes to stdout. */
    public void clear() {
        if (terminal && lastLength > 0) {
            out.print("\r" + " ".repeat(lastLength) + "\r");
            out.flush();
            lastLength = 0;
        }
    }
}
