package dev.gradclip.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a user's gradient set for {@code --shapes FILE}: one tensor per line, {@code NAME DIMS} or just
 * {@code DIMS}, where DIMS are positive integers joined by 'x' ({@code 768x3072}, {@code 50257x768},
 * {@code 3072}). Blank lines and everything after '#' are ignored; a line without a name gets
 * {@code t<line number>}. The set is named after the file, without its extension.
 */
public final class ShapeFile {
    private ShapeFile() {}

    /**
     * {@return the set the file describes}
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and line of the first malformed line
     */
    public static ShapeSet read(Path file) throws IOException {
        String base = file.getFileName().toString();
        int dot = base.lastIndexOf('.');
        String name = dot > 0 ? base.substring(0, dot) : base;
        return parse(name, Files.readAllLines(file), file.toString());
    }

    /**
     * {@return the set {@code lines} describe, named {@code name}}
     *
     * @param origin where the lines come from, for error messages
     * @throws IllegalArgumentException naming the line of the first malformed line, or if no line
     *     holds a tensor
     */
    public static ShapeSet parse(String name, List<String> lines, String origin) {
        List<TensorShape> tensors = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (text.isEmpty()) {
                continue;
            }
            String where = origin + ":" + (i + 1);
            String[] fields = text.split("\\s+");
            if (fields.length > 2) {
                throw new IllegalArgumentException(where + ": expected 'NAME DIMS' or 'DIMS', got '" + text + "'");
            }
            String tensorName = fields.length == 2 ? fields[0] : "t" + (i + 1);
            tensors.add(new TensorShape(tensorName, parseDims(fields[fields.length - 1], where)));
        }
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException(origin + ": no tensors (one per line: NAME DIMS, e.g. 'fc1.weight 768x3072')");
        }
        return new ShapeSet(name, tensors);
    }

    private static long[] parseDims(String text, String where) {
        String[] parts = text.split("x", -1);
        long[] dims = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                dims[i] = Long.parseLong(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": '" + text + "' is not DIMS like 768x3072");
            }
            if (dims[i] < 1) {
                throw new IllegalArgumentException(where + ": dimension " + dims[i] + " in '" + text + "' is below 1");
            }
        }
        return dims;
    }
}
