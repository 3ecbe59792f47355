package dev.gradclip.internal.ffm;

import java.util.Locale;

/** The "<os>-<arch>" folder name native libraries are packaged under, as cmake/GradclipPlatform.cmake names it. */
public final class Platform {
    private Platform() {}

    /** {@return e.g. "linux-x86_64"} */
    public static String current() {
        return os(System.getProperty("os.name", "")) + "-" + arch(System.getProperty("os.arch", ""));
    }

    static String os(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("linux")) {
            return "linux";
        }
        if (n.startsWith("mac") || n.startsWith("darwin")) {
            return "macos";
        }
        if (n.startsWith("windows")) {
            return "windows";
        }
        return n.replaceAll("[^a-z0-9]", "");
    }

    static String arch(String name) {
        String a = name.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> a.replaceAll("[^a-z0-9_]", "");
        };
    }

    /** {@return the platform's file name for library {@code base}, e.g. "libgradclip_cpu.so"} */
    public static String libraryFileName(String base) {
        String os = os(System.getProperty("os.name", ""));
        return switch (os) {
            case "windows" -> base + ".dll";
            case "macos" -> "lib" + base + ".dylib";
            default -> "lib" + base + ".so";
        };
    }
}
