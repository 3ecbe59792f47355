package dev.gradclip.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The host the numbers came from, for the report header, and the memory check before a large set.
 *
 * @param cpuModel the first "model name" of /proc/cpuinfo, or os.arch where there is none
 * @param cores processors available to the JVM
 * @param memTotalBytes MemTotal of /proc/meminfo, or -1
 * @param memAvailableBytes MemAvailable of /proc/meminfo, or -1 when unknown
 * @param loadAverage the 1-minute load average of /proc/loadavg ("?" when unknown): other work on the
 *     machine moves every figure, so the header says how busy it was
 */
public record MachineInfo(String cpuModel, int cores, long memTotalBytes, long memAvailableBytes, String loadAverage) {

    /** {@return this machine, as now} */
    public static MachineInfo read() {
        String model = field(lines(Path.of("/proc/cpuinfo")), "model name");
        List<String> meminfo = lines(Path.of("/proc/meminfo"));
        List<String> load = lines(Path.of("/proc/loadavg"));
        return new MachineInfo(model == null ? System.getProperty("os.arch") : model,
                Runtime.getRuntime().availableProcessors(), kilobytes(field(meminfo, "MemTotal")),
                kilobytes(field(meminfo, "MemAvailable")), load.isEmpty() ? "?" : load.get(0).split(" ")[0]);
    }

    /** {@return memory available now, re-read: earlier sets' memory has been returned by then} */
    public static long availableBytesNow() {
        return kilobytes(field(lines(Path.of("/proc/meminfo")), "MemAvailable"));
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static String field(List<String> lines, String key) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }

    private static long kilobytes(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.replace("kB", "").strip()) * 1024;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** {@return e.g. "AMD EPYC 9B14, 2 cores, 23.4 GB memory (22.1 GB available), load average 0.12"} */
    public String describe() {
        return String.format(Locale.ROOT, "%s, %d cores, %s memory (%s available), load average %s", cpuModel, cores,
                gb(memTotalBytes), gb(memAvailableBytes), loadAverage);
    }

    private static String gb(long bytes) {
        return bytes < 0 ? "? GB" : String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
