package dev.gradclip.bench;

import dev.gradclip.internal.cpu.CpuEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Measures the host memory floor over a set's bytes, one thread per core, with plain Java and, where
 * libgradclip_cpu loads, with its SIMD probes (the faster counts): a read-only
 * pass summing the bytes as longs; a copy with {@link MemorySegment#copy} (memcpy) into a scratch
 * buffer; and an in-place pass that reads each long and writes it back XORed with zero (a zero the
 * JIT cannot see, so the stores stay). The read loop keeps four independent accumulators so that the
 * adds do not chain; it is the fastest plain Java read available without the incubating Vector API,
 * and it is reported as what it is: a floor Java reaches, which a SIMD kernel may beat.
 *
 * <p>Why two read+write measurements: a clip scales in place, and an in-place pass moves each cache
 * line in and out once, while a copy to a second buffer may also read the destination's lines before
 * writing them. On the 2-core EPYC this was written on, the in-place pass moved about 50 GB/s and
 * memcpy 35 to 45 GB/s; the floor takes the faster of the two.
 */
public final class HostFloorMeter {
    private HostFloorMeter() {}

    /** The copy destination is at most this big: a window reused round-robin, still far larger than any cache. */
    static final long MAX_SCRATCH = 1L << 30;
    /** Warm-up lasts at least this long, so that the read loop runs JIT-compiled when timed. */
    private static final long WARMUP_NANOS = 200_000_000L;
    private static final int WARMUP_MIN_RUNS = 3;
    /** Small sets pass in a millisecond, where one interruption moves the median: time them for this long at least. */
    private static final long TIMED_NANOS = 300_000_000L;
    private static final int MAX_REPS = 200;

    /** Consumes the read sums, so the JIT cannot drop the reads. */
    private static volatile long sink;
    /** Always 0, read once per in-place pass: XOR with it leaves the data as it was, but the JIT must store. */
    private static volatile long zero;

    /**
     * {@return the read and copy bandwidth over the first {@code bytes} of {@code source}}
     *
     * @param reps timed passes of each kind at least (more for small sets); the medians make the floor
     */
    public static MeasuredFloor measure(MemorySegment source, long bytes, Workers workers, int reps) {
        compileLoops(workers);
        long words = Math.max(1, bytes / Long.BYTES); // the slab holds at least one word
        long measured = words * Long.BYTES;
        try (Arena arena = Arena.ofShared()) { // the workers write it
            MemorySegment scratch = arena.allocate(Math.min(measured, MAX_SCRATCH), 64);
            Stats read = time(() -> read(source, words, workers), reps);
            Stats copy = time(() -> copy(source, measured, scratch, workers), reps);
            Stats inPlace = time(() -> rewrite(source, words, workers), reps);
            String how = workers.threads() + " Java threads: read = sum of longs, read+write = the faster of "
                    + "MemorySegment.copy and an in-place rewrite";
            String nativeReason = CpuEngine.unavailableReason();
            if (nativeReason == null) {
                // The Java loops are not the hardware's limit (no SIMD without the incubating Vector API):
                // libgradclip_cpu's probes read with 512-bit loads and copy with glibc's memcpy.
                try (CpuEngine engine = CpuEngine.create(workers.threads())) {
                    MemorySegment slab = source.asSlice(0, measured);
                    Stats nativeRead = time(() -> sink = engine.probeRead(slab), reps);
                    Stats nativeCopy = time(() -> nativeCopy(engine, slab, scratch), reps);
                    read = faster(read, nativeRead);
                    copy = faster(copy, nativeCopy);
                }
                how += ", or libgradclip_cpu's SIMD read and multi-threaded memcpy when faster";
            }
            return MeasuredFloor.of(measured, read, copy, inPlace, "host, " + how + "; medians of "
                    + read.runs() + ", " + copy.runs() + " and " + inPlace.runs() + " passes");
        }
    }

    private static Stats faster(Stats a, Stats b) {
        return b.medianMs() < a.medianMs() ? b : a;
    }

    /** The native copy into the scratch window, in window-sized pieces when the slab is larger. */
    private static void nativeCopy(CpuEngine engine, MemorySegment slab, MemorySegment scratch) {
        for (long at = 0; at < slab.byteSize(); at += scratch.byteSize()) {
            long n = Math.min(scratch.byteSize(), slab.byteSize() - at);
            engine.probeCopy(scratch.asSlice(0, n), slab.asSlice(at, n));
        }
    }

    private static boolean compiled;

    /**
     * Runs the read and in-place loops on a small buffer until the JIT has compiled them: a set of a few
     * hundred kilobytes passes too quickly for its own warm-up to get there, and an interpreted floor
     * would make every kernel look faster than the hardware.
     */
    private static synchronized void compileLoops(Workers workers) {
        if (compiled) {
            return;
        }
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(1 << 20, 64);
            for (int i = 0; i < 500; i++) {
                read(buffer, buffer.byteSize() / Long.BYTES, workers);
                rewrite(buffer, buffer.byteSize() / Long.BYTES, workers);
            }
        }
        compiled = true;
    }

    private static Stats time(Runnable pass, int reps) {
        long start = System.nanoTime();
        for (int i = 0; i < WARMUP_MIN_RUNS || System.nanoTime() - start < WARMUP_NANOS; i++) {
            pass.run();
        }
        long[] nanos = new long[MAX_REPS];
        int n = 0;
        start = System.nanoTime();
        while (n < MAX_REPS && (n < reps || System.nanoTime() - start < TIMED_NANOS)) {
            long t0 = System.nanoTime();
            pass.run();
            nanos[n++] = System.nanoTime() - t0;
        }
        return Stats.ofNanos(nanos, n);
    }

    private static void read(MemorySegment source, long words, Workers workers) {
        int parts = workers.threads();
        long[] sums = new long[parts];
        workers.run(p -> sums[p] = sumLongs(source, words * p / parts, words * (p + 1) / parts));
        long total = 0;
        for (long s : sums) {
            total += s;
        }
        sink = total;
    }

    private static long sumLongs(MemorySegment s, long from, long to) {
        long a0 = 0;
        long a1 = 0;
        long a2 = 0;
        long a3 = 0;
        long i = from;
        for (; i + 4 <= to; i += 4) {
            a0 += s.getAtIndex(ValueLayout.JAVA_LONG, i);
            a1 += s.getAtIndex(ValueLayout.JAVA_LONG, i + 1);
            a2 += s.getAtIndex(ValueLayout.JAVA_LONG, i + 2);
            a3 += s.getAtIndex(ValueLayout.JAVA_LONG, i + 3);
        }
        for (; i < to; i++) {
            a0 += s.getAtIndex(ValueLayout.JAVA_LONG, i);
        }
        return a0 + a1 + a2 + a3;
    }

    private static void rewrite(MemorySegment data, long words, Workers workers) {
        int parts = workers.threads();
        long mask = zero;
        workers.run(p -> {
            long to = words * (p + 1) / parts;
            for (long i = words * p / parts; i < to; i++) {
                data.setAtIndex(ValueLayout.JAVA_LONG, i, data.getAtIndex(ValueLayout.JAVA_LONG, i) ^ mask);
            }
        });
    }

    /** Each thread copies its part of the source into the scratch window, wrapping when the window is smaller. */
    private static void copy(MemorySegment source, long bytes, MemorySegment scratch, Workers workers) {
        int parts = workers.threads();
        long window = scratch.byteSize();
        workers.run(p -> {
            long from = bytes * p / parts & -Long.BYTES;
            long to = p == parts - 1 ? bytes : bytes * (p + 1) / parts & -Long.BYTES;
            long at = from;
            while (at < to) {
                long dst = at % window;
                long n = Math.min(to - at, window - dst);
                MemorySegment.copy(source, at, scratch, dst, n);
                at += n;
            }
        });
    }
}
