package dev.gradclip.internal.ffm;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Finds and loads one of gradclip's native libraries, once; remembers why it failed if it did.
 *
 * <p>Order: the system property {@code gradclip.library.<name>} (a file), then
 * {@code gradclip.library.path} (a folder holding the file), then the copy packaged in the jar under
 * {@code META-INF/native/<os>-<arch>/}, used in place when it is a plain file (an exploded build) or
 * extracted to {@code gradclip.native.tmpdir} (default {@code java.io.tmpdir}) and deleted once loaded.
 */
public final class NativeLibrary {
    private final String name;
    private final SymbolLookup lookup;
    private final String origin;
    private final Throwable failure;

    private NativeLibrary(String name, SymbolLookup lookup, String origin, Throwable failure) {
        this.name = name;
        this.lookup = lookup;
        this.origin = origin;
        this.failure = failure;
    }

    /** Loads library {@code base} (e.g. "gradclip_cpu"); never throws: a failure is kept for {@link #failure()}. */
    public static NativeLibrary load(String base) {
        String file = Platform.libraryFileName(base);
        try {
            String explicit = System.getProperty("gradclip.library." + base.substring(base.indexOf('_') + 1));
            if (explicit != null) {
                return loaded(base, Path.of(explicit), "system property");
            }
            String folder = System.getProperty("gradclip.library.path");
            if (folder != null) {
                return loaded(base, Path.of(folder, file), "gradclip.library.path");
            }
            String resource = "META-INF/native/" + Platform.current() + "/" + file;
            URL url = NativeLibrary.class.getClassLoader().getResource(resource);
            if (url == null) {
                throw new UnsatisfiedLinkError("no " + resource + " on the class path: this jar was built without "
                        + "the " + base + " library for " + Platform.current()
                        + " (build it with CMake, or point -Dgradclip.library.path at a folder holding " + file + ")");
            }
            if ("file".equals(url.getProtocol())) {
                return loaded(base, Path.of(url.toURI()), "class path");
            }
            return extracted(base, url, file);
        } catch (Throwable t) {
            return new NativeLibrary(base, null, null, t);
        }
    }

    private static NativeLibrary loaded(String base, Path path, String how) {
        if (!Files.isRegularFile(path)) {
            throw new UnsatisfiedLinkError("library file " + path + " (from " + how + ") does not exist");
        }
        SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
        return new NativeLibrary(base, lookup, path.toString(), null);
    }

    private static NativeLibrary extracted(String base, URL url, String file) throws IOException, URISyntaxException {
        Path dir = Path.of(System.getProperty("gradclip.native.tmpdir", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "gradclip-", "-" + file);
        try {
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            SymbolLookup lookup = SymbolLookup.libraryLookup(tmp, Arena.global());
            return new NativeLibrary(base, lookup, url.toString(), null);
        } finally {
            // The mapping stays valid after the unlink on POSIX systems; nothing is left behind.
            Files.deleteIfExists(tmp);
        }
    }

    /** {@return true when the library loaded} */
    public boolean isLoaded() {
        return lookup != null;
    }

    /** {@return the symbols, or throws the load failure as an UnsatisfiedLinkError} */
    public SymbolLookup lookup() {
        if (lookup == null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError("lib" + name + " did not load: " + reason());
            e.initCause(failure);
            throw e;
        }
        return lookup;
    }

    /** {@return where the library was loaded from, or null} */
    public String origin() {
        return origin;
    }

    /** {@return the load failure, or null} */
    public Throwable failure() {
        return failure;
    }

    /** {@return a one-line reason for the failure, or "loaded from ..."} */
    public String reason() {
        if (failure == null) {
            return "loaded from " + origin;
        }
        String m = failure.getMessage();
        return failure.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
