package dev.gradclip.cli;

import dev.gradclip.DType;
import dev.gradclip.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file loaded into off-heap memory for clipping in place, and written back with the
 * same header, so names, shapes, dtypes, order and metadata are kept byte for byte.
 *
 * <p>Format: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets into the data that follows), and
 * an optional {@code "__metadata__"} string map. Every field is checked; a bad file throws
 * {@link BadFileException} naming the problem.
 */
final class SafetensorsFile {
    /** Headers larger than this are refused, as the reference implementation does (100 MB). */
    private static final long MAX_HEADER = 100_000_000L;
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A malformed or unsupported safetensors file. */
    static final class BadFileException extends Exception {
        private static final long serialVersionUID = 1L;

        BadFileException(Path file, String message) {
            super(file + ": " + message);
        }
    }

    record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    private final byte[] header;
    private final MemorySegment data;
    private final long dataBytes;
    private final List<Entry> entries;
    private final List<Tensor> tensors;
    /** Tensors whose offsets are misaligned for their dtype live in their own buffer; copied back on write. */
    private final List<MemorySegment[]> copies;

    private SafetensorsFile(byte[] header, MemorySegment data, long dataBytes, List<Entry> entries,
            List<Tensor> tensors, List<MemorySegment[]> copies) {
        this.header = header;
        this.data = data;
        this.dataBytes = dataBytes;
        this.entries = entries;
        this.tensors = tensors;
        this.copies = copies;
    }

    /**
     * {@return a new file of zero tensors with these names, dtypes and shapes, in this order (their
     * data 64-byte aligned in {@code arena}), ready to be filled and written}
     */
    static SafetensorsFile create(List<String> names, List<DType> dtypes, List<long[]> shapes, Arena arena) {
        List<Entry> entries = new ArrayList<>();
        StringBuilder json = new StringBuilder("{");
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            long count = 1;
            for (long d : shapes.get(i)) {
                count = Math.multiplyExact(count, d);
            }
            long end = offset + count * dtypes.get(i).byteSize();
            entries.add(new Entry(names.get(i), dtypes.get(i), shapes.get(i), offset, end));
            json.append(i == 0 ? "" : ",").append(Json.quote(names.get(i))).append(":{\"dtype\":")
                    .append(Json.quote(dtypes.get(i).safetensorsName())).append(",\"shape\":[");
            for (int d = 0; d < shapes.get(i).length; d++) {
                json.append(d == 0 ? "" : ",").append(shapes.get(i)[d]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        byte[] header = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        MemorySegment data = arena.allocate(Math.max(1, offset), 64);
        List<Tensor> tensors = new ArrayList<>();
        List<MemorySegment[]> copies = new ArrayList<>();
        for (Entry e : entries) {
            MemorySegment slice = data.asSlice(e.begin, e.end - e.begin);
            if (e.begin % e.dtype.byteSize() != 0) { // an F16 before an F32 leaves the F32 misaligned
                MemorySegment aligned = arena.allocate(Math.max(1, slice.byteSize()), 64);
                copies.add(new MemorySegment[] {aligned, slice});
                slice = aligned;
            }
            tensors.add(Tensor.of(e.name, slice, e.dtype, e.shape));
        }
        return new SafetensorsFile(header, data, offset, entries, tensors, copies);
    }

    static SafetensorsFile read(Path file, Arena arena) throws IOException, BadFileException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new BadFileException(file, "truncated: " + size + " bytes, less than the 8-byte header length");
            }
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = mapped.get(LE_LONG, 0);
            if (n < 2 || n > MAX_HEADER || n > size - 8) {
                throw new BadFileException(file, "header length " + n + " does not fit a file of " + size + " bytes");
            }
            byte[] header = mapped.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            Object json;
            try {
                json = Json.parse(new String(header, StandardCharsets.UTF_8));
            } catch (Json.ParseException e) {
                throw new BadFileException(file, "header is not valid JSON: " + e.getMessage());
            }
            if (!(json instanceof Map<?, ?> map)) {
                throw new BadFileException(file, "header is not a JSON object");
            }
            long dataSize = size - 8 - n;
            List<Entry> entries = parseEntries(file, map, dataSize);
            MemorySegment data = arena.allocate(Math.max(1, dataSize), 64);
            MemorySegment.copy(mapped, 8 + n, data, 0, dataSize);
            List<Tensor> tensors = new ArrayList<>();
            List<MemorySegment[]> copies = new ArrayList<>();
            for (Entry e : entries) {
                MemorySegment slice = data.asSlice(e.begin, e.end - e.begin);
                if (e.begin % e.dtype.byteSize() != 0) {
                    MemorySegment aligned = arena.allocate(Math.max(1, slice.byteSize()), 64);
                    MemorySegment.copy(slice, 0, aligned, 0, slice.byteSize());
                    copies.add(new MemorySegment[] {aligned, slice});
                    slice = aligned;
                }
                tensors.add(Tensor.of(e.name, slice, e.dtype, e.shape));
            }
            return new SafetensorsFile(header, data, dataSize, entries, tensors, copies);
        }
    }

    private static List<Entry> parseEntries(Path file, Map<?, ?> map, long dataSize) throws BadFileException {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> kv : map.entrySet()) {
            String name = (String) kv.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            if (!(kv.getValue() instanceof Map<?, ?> info)) {
                throw new BadFileException(file, "tensor '" + name + "': entry is not an object");
            }
            if (!(info.get("dtype") instanceof String dtypeName)) {
                throw new BadFileException(file, "tensor '" + name + "': missing dtype");
            }
            DType dtype;
            try {
                dtype = DType.fromSafetensorsName(dtypeName);
            } catch (IllegalArgumentException e) {
                throw new BadFileException(file, "tensor '" + name + "': " + e.getMessage());
            }
            long[] shape = longs(file, name, "shape", info.get("shape"), -1);
            long[] offsets = longs(file, name, "data_offsets", info.get("data_offsets"), 2);
            long count = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new BadFileException(file, "tensor '" + name + "': negative dimension");
                }
                try {
                    count = Math.multiplyExact(count, d);
                } catch (ArithmeticException e) {
                    throw new BadFileException(file, "tensor '" + name + "': shape overflows");
                }
            }
            long begin = offsets[0];
            long end = offsets[1];
            if (begin < 0 || end < begin || end > dataSize) {
                throw new BadFileException(file, "tensor '" + name + "': data_offsets [" + begin + ", " + end
                        + "] outside the " + dataSize + "-byte data section (truncated file?)");
            }
            if (end - begin != count * dtype.byteSize()) {
                throw new BadFileException(file, "tensor '" + name + "': data_offsets span " + (end - begin)
                        + " bytes but shape and dtype need " + count * dtype.byteSize());
            }
            entries.add(new Entry(name, dtype, shape, begin, end));
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort((a, b) -> Long.compare(a.begin, b.begin));
        for (int i = 1; i < byOffset.size(); i++) {
            if (byOffset.get(i).begin < byOffset.get(i - 1).end) {
                throw new BadFileException(file, "tensors '" + byOffset.get(i - 1).name + "' and '"
                        + byOffset.get(i).name + "' overlap");
            }
        }
        if (entries.isEmpty()) {
            throw new BadFileException(file, "no tensors in the file");
        }
        return entries;
    }

    private static long[] longs(Path file, String name, String field, Object value, int length) throws BadFileException {
        if (!(value instanceof List<?> list) || (length >= 0 && list.size() != length)) {
            throw new BadFileException(file, "tensor '" + name + "': " + field + " must be a list"
                    + (length >= 0 ? " of " + length + " integers" : " of integers"));
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long l)) {
                throw new BadFileException(file, "tensor '" + name + "': " + field + " holds a non-integer");
            }
            out[i] = l;
        }
        return out;
    }

    List<Tensor> tensors() {
        return tensors;
    }

    List<Entry> entries() {
        return entries;
    }

    /** Writes the file to {@code out} atomically: a temporary file beside it, moved into place when complete. */
    void write(Path out) throws IOException {
        for (MemorySegment[] c : copies) {
            MemorySegment.copy(c[0], 0, c[1], 0, c[1].byteSize());
        }
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".gradclip-", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                len.putLong(header.length).flip();
                write(ch, len);
                write(ch, java.nio.ByteBuffer.wrap(header));
                write(ch, data.asSlice(0, dataBytes).asByteBuffer());
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void write(FileChannel ch, java.nio.ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
