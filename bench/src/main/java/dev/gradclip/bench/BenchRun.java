package dev.gradclip.bench;

import dev.gradclip.Backend;
import dev.gradclip.DType;
import dev.gradclip.GradClip;
import dev.gradclip.GradClipException;
import dev.gradclip.bench.peers.Peer;
import dev.gradclip.bench.peers.PeerLoader;
import dev.gradclip.bench.peers.PeerUnavailableException;
import dev.gradclip.bench.peers.PythonTorchPeer;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code ./gradclip bench} run: for each set and dtype, fill the data, measure the floor, compute
 * the reference, then time every backend and peer in every mode; print a table block per set, and
 * write the reports asked for.
 */
public final class BenchRun {
    /** Host memory left free beside a set and its floor scratch buffer. */
    private static final long MEMORY_MARGIN = 1L << 30;
    /** Timed passes of each floor measurement at least: floors are cheap, and their medians set every % of floor. */
    private static final int FLOOR_REPS = 7;

    private final BenchOptions options;
    private final PrintStream out;
    private final Progress progress;
    private final CaseRunner runner;
    private final int threads;
    private final List<Result> results = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private final Map<Backend, GradClip> backends = new EnumMap<>(Backend.class);
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private PythonTorchPeer torch;
    private boolean backendCheckFailed;

    public BenchRun(BenchOptions options, PrintStream out, Progress progress) {
        this.options = options;
        this.out = out;
        this.progress = progress;
        this.runner = new CaseRunner(options.warmup(), options.reps(), options.maxSeconds());
        this.threads = Workers.resolve(options.threads());
    }

    /**
     * Runs everything and prints the report.
     *
     * @return the exit status: 0, or 1 when a gradclip backend failed its check
     */
    public int run() throws IOException {
        long start = System.nanoTime();
        List<ShapeSet> sets = new ArrayList<>();
        for (String name : options.sets()) {
            sets.add(BuiltinSets.byName(name));
        }
        if (options.shapesFile() != null) {
            sets.add(ShapeFile.read(options.shapesFile()));
        }
        try {
            openBackendsAndPeers();
            printHeader();
            try (Workers workers = new Workers(threads)) {
                for (ShapeSet set : sets) {
                    for (DType dtype : options.dtypes()) {
                        runBlock(set, dtype, workers);
                    }
                }
            }
        } finally {
            progress.clear();
            for (GradClip clip : backends.values()) {
                clip.close();
            }
            for (Peer peer : peers.values()) {
                peer.close();
            }
        }
        addSpeedups();
        writeReports();
        out.printf(Locale.ROOT, "%nran in %.1f s; load average now %s%n", (System.nanoTime() - start) / 1e9,
                MachineInfo.read().loadAverage());
        if (!skipped.isEmpty()) {
            out.println("skipped:");
            for (String s : skipped) {
                out.println("  " + s);
            }
        }
        if (backendCheckFailed) {
            out.println("A gradclip backend FAILED its check against the java reference (see CHECK FAILED above).");
        }
        return backendCheckFailed ? 1 : 0;
    }

    private void openBackendsAndPeers() {
        for (Backend b : options.backends()) {
            try {
                backends.put(b, GradClip.open(b, threads));
            } catch (GradClipException e) {
                skipped.add("backend " + name(b) + ": " + e.getMessage());
            }
        }
        for (String name : options.peers()) {
            if (name.equals("pytorch")) {
                try {
                    torch = PythonTorchPeer.find(options.python());
                } catch (PeerUnavailableException e) {
                    skipped.add("peer pytorch: " + e.getMessage());
                }
                continue;
            }
            try {
                peers.put(name, PeerLoader.load(name));
            } catch (PeerUnavailableException e) {
                skipped.add("peer " + name + ": " + e.getMessage());
            }
        }
    }

    private void printHeader() {
        MachineInfo machine = MachineInfo.read();
        out.println("gradclip bench");
        out.println("host:     " + machine.describe() + "; Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
        List<String> b = new ArrayList<>();
        for (GradClip clip : backends.values()) {
            b.add(clip.description());
        }
        out.println("backends: " + (b.isEmpty() ? "none" : String.join("; ", b)));
        List<String> p = new ArrayList<>();
        for (Peer peer : peers.values()) {
            p.add(peer.name() + " (" + peer.description() + ")");
        }
        if (torch != null) {
            p.add("pytorch (" + torch.description() + ")");
        }
        out.println("peers:    " + (p.isEmpty() ? "none" : String.join("; ", p)));
        for (String s : skipped) {
            out.println("skipped:  " + s);
        }
        out.printf(Locale.ROOT, "runs:     %d warm-up + up to %d timed per case (at least %d; no new run after %.1f s); "
                + "median [min, max]%n", options.warmup(), options.reps(), Math.min(BenchOptions.MIN_REPS, options.reps()),
                options.maxSeconds());
        out.println("floor:    B = bytes of the set; on the same B in this run: read_bw of a read-only pass, copy_bw of the"
                + " faster of memcpy and an in-place rewrite (bytes read + written counted)");
        out.println("          floor_ms = r*B/read_bw + c*2B/copy_bw with (r,c) = norm, global-noclip (1,0); global-clip,"
                + " per-tensor, block-rms, autoclip, zclip, amp (1,1); value (0,1); agc (2,1) and agc-noclip (2,0):"
                + " gradients + parameters read;");
        out.println("          per-sample, per-sample-noise: 2*batch*B/read_bw + 2B/copy_bw (the inputs read twice; the outputs"
                + " written, a store reading each line first)");
        out.println("          GB/s = (r*B + c*2B) / median; %floor = 100 * floor_ms / median (100% = at the floor;"
                + " 1 GB = 10^9 bytes)");
        out.printf(Locale.ROOT, "checks:   each case's first run vs the java reference backend: its norm and the norm it leaves,"
                + " relative %.0g (peers on bf16/f16: 4 units of the dtype's roundoff)%n", Reference.TOLERANCE);
        out.flush();
    }

    /** What every case of one set and dtype shares. */
    private record Block(ShapeSet set, DType dtype, String label, Workload work, Workers workers, MeasuredFloor hostFloor,
            Reference reference, CudaWorkload device, MeasuredFloor deviceFloor, List<Result> rows) {
        String dt() {
            return BenchOptions.dtypeName(dtype);
        }

        long bytes() {
            return work.grads().dataBytes();
        }

        HostGradients grads() {
            return work.grads();
        }
    }

    private void runBlock(ShapeSet set, DType dtype, Workers workers) throws IOException {
        String dt = BenchOptions.dtypeName(dtype);
        String label = set.name() + " " + dt;
        long slabBytes = HostGradients.slabBytes(set, dtype);
        long setBytes = set.byteSize(dtype.byteSize());
        List<Mode> modes = options.modes();
        int batch = Workload.fitBatch(options.batch(), setBytes, Workload.SAMPLE_BUDGET);
        long need = slabBytes + Math.min(slabBytes, HostFloorMeter.MAX_SCRATCH) + MEMORY_MARGIN;
        long extra = Workload.extraBytes(set, dtype, modes, batch);
        long available = MachineInfo.availableBytesNow();
        if (available >= 0 && need > available) {
            String why = String.format(Locale.ROOT, "set %s %s: needs %.1f GB of host memory (set, floor scratch, 1 GB margin),"
                    + " %.1f GB available", set.name(), dt, need / 1e9, available / 1e9);
            skipped.add(why);
            progress.log("skipped " + why);
            return;
        }
        if (available >= 0 && need + extra > available) {
            List<Mode> dropped = modes.stream().filter(m -> m.needsParameters() || m.perSample()).toList();
            String why = String.format(Locale.ROOT, "%s on %s %s: AGC's parameters and the per-sample inputs need %.1f GB more"
                    + " host memory, %.1f GB available", names(dropped), set.name(), dt, extra / 1e9,
                    (available - need) / 1e9);
            skipped.add(why);
            progress.log("skipped " + why);
            modes = modes.stream().filter(m -> !dropped.contains(m)).toList();
            extra = 0;
            if (modes.isEmpty()) {
                return;
            }
        }
        List<String> notes = new ArrayList<>();
        if (modes.stream().anyMatch(Mode::perSample)) {
            String note = Workload.batchNote(options.batch(), batch, setBytes, Workload.SAMPLE_BUDGET);
            if (note != null) {
                notes.add(note);
            }
        }
        boolean snapshot = need + extra + slabBytes <= available; // refills become a memcpy when a second copy fits
        List<Result> rows = new ArrayList<>();
        MeasuredFloor hostFloor;
        long bytes;
        progress.update(label + ": filling");
        try (Workload work = Workload.allocate(set, dtype, snapshot, modes, batch, workers)) {
            HostGradients grads = work.grads();
            bytes = grads.dataBytes();
            progress.update(label + ": filling " + mb(bytes));
            grads.ensurePristine(workers);
            progress.update(label + ": host floor");
            hostFloor = HostFloorMeter.measure(grads.slab(), bytes, workers, FLOOR_REPS);
            rows.add(Result.floor("host", set, dt, bytes, "read", hostFloor.read(), hostFloor.floor().method()));
            rows.add(Result.floor("host", set, dt, bytes, "copy", hostFloor.copy(), hostFloor.floor().method()));
            rows.add(Result.floor("host", set, dt, bytes, "in-place", hostFloor.inPlace(), hostFloor.floor().method()));
            progress.update(label + ": java reference");
            Reference reference = Reference.compute(work, workers, modes);
            try (CudaWorkload device = openDevice(work, label)) {
                MeasuredFloor deviceFloor = null;
                if (device != null) {
                    progress.update(label + ": device floor");
                    deviceFloor = device.measureFloor(bytes, 2, FLOOR_REPS);
                    rows.add(Result.floor("cuda", set, dt, bytes, "copy", deviceFloor.copy(), deviceFloor.floor().method()));
                }
                Block block = new Block(set, dtype, label, work, workers, hostFloor, reference, device, deviceFloor, rows);
                for (Mode mode : modes) {
                    for (Map.Entry<Backend, GradClip> e : backends.entrySet()) {
                        timeBackend(block, mode, e.getKey(), e.getValue());
                    }
                    for (Peer peer : peers.values()) {
                        timePeer(block, mode, peer);
                    }
                }
                if (modes.contains(Mode.AMP)) {
                    notes.add(ampNote("host", bytes, hostFloor.floor()));
                    if (deviceFloor != null) {
                        notes.add(ampNote("cuda", bytes, deviceFloor.floor()));
                    }
                }
            }
        }
        if (torch != null) {
            timeTorch(set, dtype, bytes, hostFloor.floor(), modes, rows);
        }
        rows.sort(BenchRun::reportOrder);
        results.addAll(rows);
        progress.clear();
        out.print(TableReport.block(String.format(Locale.ROOT, "%s %s: %d tensors, %,d elements, %s", set.name(), dt,
                set.tensors().size(), set.elementCount(), mb(bytes)), withSpeedups(rows)));
        for (String note : notes) {
            out.println("  " + note);
        }
        out.flush();
    }

    /**
     * Times one backend in one mode on fresh data (host, or uploaded to the device for cuda). A backend
     * that refuses the mode (a native library older than the mode) is listed as skipped.
     */
    private void timeBackend(Block b, Mode mode, Backend backend, GradClip clip) {
        boolean cuda = backend == Backend.CUDA;
        if (cuda && b.device() == null) {
            return;
        }
        b.grads().ensureFreshFor(mode, b.workers());
        Operands operands = b.work().operands();
        Runnable refill = mode.refillsEachRun() ? () -> refillHost(b, mode) : null;
        if (cuda) {
            b.device().upload(b.work());
            operands = b.device().operands();
            if (refill != null) {
                refill = () -> {
                    b.grads().ensureFreshFor(mode, b.workers()); // the host copy is never written: a no-op
                    b.device().upload(b.work());
                };
            }
        } else if (mode.clipping()) {
            b.grads().markWritten();
        }
        String name = name(backend);
        String what = b.label() + " " + mode.cliName() + " " + name;
        try (ClipKernel kernel = new BackendKernel(clip, operands, mode)) {
            CaseRunner.Outcome o = runner.run(kernel, mode, b.reference(), Reference.TOLERANCE, progress, what, refill);
            backendCheckFailed |= !o.checked();
            b.rows().add(Result.of("backend", name, cuda ? "cuda" : "host", b.set(), b.dt(), mode, b.bytes(),
                    b.work().batch(), o.stats(), (cuda ? b.deviceFloor() : b.hostFloor()).floor(), o.check(),
                    clip.description()));
        } catch (GradClipException e) {
            skipped.add("backend " + what + ": " + e.getMessage());
            progress.log("backend " + what + " failed: " + e.getMessage());
        }
    }

    /** Times one in-process peer in one mode on fresh data; a peer that fails is listed as skipped, not fatal. */
    private void timePeer(Block b, Mode mode, Peer peer) {
        if (!peer.supports(b.dtype())) {
            notSupported(peer.name(), b.dt());
            return;
        }
        if (!peer.supports(mode)) {
            notSupported(peer.name(), mode.cliName());
            return;
        }
        b.grads().ensureFreshFor(mode, b.workers());
        if (mode.clipping()) {
            b.grads().markWritten();
        }
        String what = b.label() + " " + mode.cliName() + " " + peer.name();
        try (ClipKernel kernel = peer.open(b.work().operands(), mode)) {
            CaseRunner.Outcome o = runner.run(kernel, mode, b.reference(), peer.tolerance(b.dtype()), progress, what,
                    mode.refillsEachRun() ? () -> refillHost(b, mode) : null);
            b.rows().add(Result.of("peer", peer.name(), "host", b.set(), b.dt(), mode, b.bytes(), b.work().batch(),
                    o.stats(), b.hostFloor().floor(), o.check(), peer.description()));
        } catch (RuntimeException e) {
            skipped.add("peer " + what + ": failed: " + e);
            progress.log("peer " + what + " failed: " + e);
        }
    }

    /** Fills the host gradients afresh as {@code mode} starts from, for the next run, which writes them. */
    private static void refillHost(Block b, Mode mode) {
        b.grads().refillFor(mode, b.workers());
    }

    /** Lists, once, that a peer cannot run a dtype or a mode. */
    private void notSupported(String peer, String what) {
        String why = "peer " + peer + ": " + what + " not supported";
        if (!skipped.contains(why)) {
            skipped.add(why);
        }
    }

    /** Runs the PyTorch peer's subprocess for one set and dtype, after the set's memory is freed. */
    private void timeTorch(ShapeSet set, DType dtype, long bytes, Floor hostFloor, List<Mode> modes, List<Result> rows)
            throws IOException {
        String label = set.name() + " " + BenchOptions.dtypeName(dtype);
        List<Mode> supported = new ArrayList<>();
        for (Mode mode : modes) {
            if (PythonTorchPeer.supports(mode)) {
                supported.add(mode);
            } else {
                notSupported("pytorch", mode.cliName());
            }
        }
        if (supported.isEmpty()) {
            return;
        }
        progress.update(label + " pytorch: running its subprocess");
        try {
            PythonTorchPeer.Run run = torch.run(set, dtype, supported, runner, threads);
            for (PythonTorchPeer.Case c : run.cases()) {
                rows.add(Result.of("peer", "pytorch", "host", set, BenchOptions.dtypeName(dtype), c.mode(), bytes, 0,
                        c.stats(), hostFloor, c.check(), run.note()));
            }
        } catch (IllegalStateException | org.json.JSONException e) {
            skipped.add("peer pytorch on " + label + ": " + e.getMessage());
            progress.log("peer pytorch on " + label + " failed: " + e.getMessage());
        }
    }

    /** The traffic of PyTorch's unfused amp step: unscale_ (read+write), clip_grad_norm_'s norm (read) and scale (read+write). */
    static Traffic unfusedAmpTraffic(long bytes) {
        return new Traffic(bytes, 2 * bytes);
    }

    /** {@return amp's floor beside the floor of the unfused sequence PyTorch runs, on {@code device}} */
    static String ampNote(String device, long bytes, Floor floor) {
        double fused = floor.ms(Mode.AMP.traffic(bytes, 0));
        double unfused = floor.ms(unfusedAmpTraffic(bytes));
        return String.format(Locale.ROOT, "amp on %s: floor %.2f ms for 1 read + 1 read+write pass (3B moved); PyTorch's"
                + " GradScaler.unscale_ then clip_grad_norm_ make 1 read + 2 read+write passes (5B): floor %.2f ms, %.2fx",
                device, fused, unfused, unfused / fused);
    }

    /** Floors first, then by mode; backends before peers within a mode, each in run order (the sort is stable). */
    private static int reportOrder(Result a, Result b) {
        return Integer.compare(rank(a), rank(b));
    }

    private static int rank(Result r) {
        if (r.kind().equals("floor")) {
            return -1;
        }
        return Mode.fromCliName(r.mode()).ordinal() * 2 + (r.kind().equals("peer") ? 1 : 0);
    }

    /** {@return the device copy of {@code work} for the cuda backend, or null when cuda is not run or has no room} */
    private CudaWorkload openDevice(Workload work, String label) {
        if (!backends.containsKey(Backend.CUDA)) {
            return null;
        }
        try {
            return new CudaWorkload(work);
        } catch (GradClipException e) {
            skipped.add("backend cuda on " + label + ": " + e.getMessage());
            return null;
        }
    }

    private void addSpeedups() {
        List<Result> updated = withSpeedups(results);
        results.clear();
        results.addAll(updated);
    }

    /** {@return the results with each peer's speed-up against the fastest backend of the same case} */
    static List<Result> withSpeedups(List<Result> rows) {
        List<Result> out = new ArrayList<>(rows.size());
        for (Result r : rows) {
            Result fastest = null;
            if (r.kind().equals("peer")) {
                for (Result b : rows) {
                    if (b.kind().equals("backend") && b.sameCase(r) && b.check().equals("ok")
                            && (fastest == null || b.stats().medianMs() < fastest.stats().medianMs())) {
                        fastest = b;
                    }
                }
            }
            out.add(fastest == null ? r : r.withSpeedup(fastest));
        }
        return out;
    }

    private void writeReports() throws IOException {
        if (options.json() != null) {
            JsonReport.write(results, options.json());
            out.println("wrote " + options.json());
        }
        if (options.csv() != null) {
            CsvReport.write(results, options.csv());
            out.println("wrote " + options.csv());
        }
        if (options.plot() != null) {
            PlotReport.write(results, options.plot());
            out.println("wrote " + options.plot());
        }
    }

    private static String names(List<Mode> modes) {
        List<String> names = new ArrayList<>();
        for (Mode m : modes) {
            names.add(m.cliName());
        }
        return String.join(",", names);
    }

    private static String name(Backend b) {
        return b.name().toLowerCase(Locale.ROOT);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
