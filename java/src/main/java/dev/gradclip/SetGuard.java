package dev.gradclip;

import dev.gradclip.internal.OpArgs;
import dev.gradclip.internal.PreparedSet;
import dev.gradclip.internal.ResultState;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one-thread-at-a-time and closed-state checks shared by {@link GradientSet} and {@link PerSampleSet}:
 * a step acquires and releases a flag (no lock, no allocation), and a concurrent use fails loudly.
 */
final class SetGuard {
    private final String what;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean closed;

    SetGuard(String what) {
        this.what = what;
    }

    /** Enters a step; pair with {@link #release()} in a finally block. */
    void acquire() {
        if (closed) { // not requireState: its message would be built on every step
            throw new IllegalStateException(what + " is closed");
        }
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException(what + " used by two threads at once: it is not thread-safe");
        }
        if (closed) {
            busy.set(false);
            throw new IllegalStateException(what + " is closed");
        }
    }

    void release() {
        busy.set(false);
    }

    /** Runs {@code release} once, when not closed yet and not in use. */
    void close(Runnable release) {
        if (closed) {
            return;
        }
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("cannot close " + what + " while another thread uses it");
        }
        try {
            if (!closed) {
                closed = true;
                release.run();
            }
        } finally {
            busy.set(false);
        }
    }

    /** Throws when a host tensor's arena was closed after registration. */
    static void requireAlive(Tensor[] tensors, String role) {
        for (Tensor t : tensors) {
            if (!t.isOnDevice() && !t.data().scope().isAlive()) {
                throw new IllegalStateException(role + " '" + t.name() + "': its arena was closed after registration");
            }
        }
    }

    /**
     * Runs the operation in {@code args} into {@code state} (reset first); when {@code errorOnNonFinite},
     * waits for the result and throws if a NaN or infinity was found (the backend wrote nothing then).
     * The caller holds the guard.
     */
    static void runOp(PreparedSet prepared, OpArgs args, ResultState state, boolean errorOnNonFinite) {
        state.reset();
        prepared.run(args, state);
        if (errorOnNonFinite) {
            state.await();
            if (state.nonFinite) {
                throw new NonFiniteGradientException(state.totalNorm);
            }
        }
    }
}
