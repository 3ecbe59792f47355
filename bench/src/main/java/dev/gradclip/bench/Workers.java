package dev.gradclip.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * A fixed pool of platform threads, one per part of a job: the host floor and the data fill split
 * their work over it. Started once, so a timed pass pays no thread start.
 */
public final class Workers implements AutoCloseable {
    private final int threads;
    private final ExecutorService pool;

    /** @param threads parts of every job, {@code >= 1} */
    public Workers(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "gradclip-bench-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** {@return one thread per available processor: {@code requested}, or the core count when 0} */
    public static int resolve(int requested) {
        return requested > 0 ? requested : Runtime.getRuntime().availableProcessors();
    }

    /** {@return the number of parts a job is split into} */
    public int threads() {
        return threads;
    }

    /** Runs {@code part.accept(p)} for p = 0 .. threads-1, one per thread, and waits for all. */
    public void run(IntConsumer part) {
        List<Future<?>> futures = new ArrayList<>(threads);
        for (int p = 0; p < threads; p++) {
            int index = p;
            futures.add(pool.submit(() -> part.accept(index)));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the workers", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a worker failed: " + e.getCause(), e.getCause());
            }
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
