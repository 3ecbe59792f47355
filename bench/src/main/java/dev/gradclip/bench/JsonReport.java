package dev.gradclip.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code --json FILE}: an array with one object per {@link Result}, fields as {@link Result#fields()} names them. */
public final class JsonReport {
    private JsonReport() {}

    /** Writes {@code results} to {@code file}. */
    public static void write(List<Result> results, Path file) throws IOException {
        Files.writeString(file, toJson(results));
    }

    /** {@return the JSON text of {@code results}: one record per line, for diffs} */
    public static String toJson(List<Result> results) {
        StringBuilder b = new StringBuilder("[\n");
        for (int i = 0; i < results.size(); i++) {
            b.append("  {");
            boolean first = true;
            for (Map.Entry<String, Object> e : results.get(i).fields().entrySet()) {
                b.append(first ? "" : ", ");
                first = false;
                string(b, e.getKey());
                b.append(": ");
                Object v = e.getValue();
                if (v instanceof String s) {
                    string(b, s);
                } else {
                    b.append(v); // Boolean, Integer, Long, finite Double or null
                }
            }
            b.append(i + 1 < results.size() ? "},\n" : "}\n");
        }
        return b.append("]\n").toString();
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
