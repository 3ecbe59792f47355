package dev.gradclip.bench.peers;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads the in-process peers. The java loop is always here; ND4J and DJL are large downloads, so they
 * are built only with {@code -Ppeers}, which writes {@code bench/target/peers-classpath.txt} (their
 * jars) and compiles their peers into {@code bench/target/peer-classes}. Both are loaded through a
 * child class loader: a plain build never sees them, and the peers see our classes through the parent.
 */
public final class PeerLoader {
    private PeerLoader() {}

    /** What builds the ND4J and DJL peers. */
    public static final String INSTALL = "./mvnw -q -Ppeers -DskipTests package (about 230 MB of jars from Maven Central)";
    /** Overrides where peers-classpath.txt is looked for. */
    public static final String CLASSPATH_PROPERTY = "gradclip.bench.peersClasspath";

    private static final Map<String, String> CLASSES = Map.of(
            "nd4j", "dev.gradclip.bench.peers.nd4j.Nd4jPeer",
            "djl", "dev.gradclip.bench.peers.djl.DjlPeer");

    private static ClassLoader peerLoader;

    /**
     * {@return the peer of that name, loaded}
     *
     * @throws PeerUnavailableException saying why it cannot run and how to install it
     */
    public static Peer load(String name) {
        if (name.equals("javaloop")) {
            return new JavaLoopPeer();
        }
        String className = CLASSES.get(name);
        if (className == null) {
            throw new IllegalArgumentException("no in-process peer '" + name + "'");
        }
        ClassLoader loader = peerClassLoader();
        try {
            return loader.loadClass(className).asSubclass(Peer.class).getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new PeerUnavailableException(name + " peer not built; install: " + INSTALL);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new PeerUnavailableException(name + " cannot run here: " + cause, cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new PeerUnavailableException(name + " cannot be loaded (" + e + "); rebuild: " + INSTALL, e);
        }
    }

    private static synchronized ClassLoader peerClassLoader() {
        if (peerLoader == null) {
            Path file = classpathFile();
            if (file == null || !Files.isRegularFile(file)) {
                throw new PeerUnavailableException("peers not built (no " + (file == null ? "peers-classpath.txt" : file)
                        + "); install: " + INSTALL);
            }
            try {
                List<URL> urls = new ArrayList<>();
                urls.add(file.resolveSibling("peer-classes").toUri().toURL());
                for (String entry : Files.readString(file).strip().split(java.io.File.pathSeparator)) {
                    if (!entry.isBlank()) {
                        urls.add(Path.of(entry).toUri().toURL());
                    }
                }
                peerLoader = new URLClassLoader("gradclip-bench-peers", urls.toArray(new URL[0]), PeerLoader.class.getClassLoader());
                // ND4J and DJL find their backends and engines through the context class loader (ServiceLoader).
                // It delegates to the application loader first, so nothing else changes for this thread.
                Thread.currentThread().setContextClassLoader(peerLoader);
            } catch (IOException e) {
                throw new PeerUnavailableException("cannot read " + file + ": " + e);
            }
        }
        return peerLoader;
    }

    /** {@return peers-classpath.txt beside the bench jar (or beside target/classes), or as the property says} */
    private static Path classpathFile() {
        String override = System.getProperty(CLASSPATH_PROPERTY);
        if (override != null) {
            return Path.of(override);
        }
        try {
            Path code = Path.of(PeerLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.getParent().resolve("peers-classpath.txt");
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
