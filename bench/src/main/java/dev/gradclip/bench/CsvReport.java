package dev.gradclip.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code --csv FILE}: a header row, then one row per {@link Result}, columns as {@link Result#fields()} names them. */
public final class CsvReport {
    private CsvReport() {}

    /** Writes {@code results} to {@code file}. */
    public static void write(List<Result> results, Path file) throws IOException {
        Files.writeString(file, toCsv(results));
    }

    /** {@return the CSV text (RFC 4180 quoting; an empty cell for a figure that does not apply)} */
    public static String toCsv(List<Result> results) {
        StringBuilder b = new StringBuilder();
        if (results.isEmpty()) {
            return b.toString();
        }
        b.append(String.join(",", results.get(0).fields().keySet())).append('\n');
        for (Result r : results) {
            boolean first = true;
            for (Object v : r.fields().values()) {
                b.append(first ? "" : ",");
                first = false;
                b.append(cell(v));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String cell(Object v) {
        if (v == null) {
            return "";
        }
        String s = v.toString();
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }
}
