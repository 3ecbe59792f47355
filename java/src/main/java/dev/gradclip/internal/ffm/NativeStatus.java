package dev.gradclip.internal.ffm;

import dev.gradclip.NativeException;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/** Turns a C ABI status into the exception it stands for, with the library's message. */
public final class NativeStatus {
    private NativeStatus() {}

    /** Longest message read back; the libraries keep theirs under 512 bytes. */
    private static final long MAX_MESSAGE = 4096;

    /**
     * Returns when {@code status} is GC_OK; otherwise throws IllegalArgumentException (GC_E_INVALID) or
     * NativeException (anything else) carrying {@code what} and the last-error message.
     */
    public static void check(int status, String what, Supplier<MemorySegment> lastError) {
        if (status == GradclipNative.GC_OK) {
            return;
        }
        String message = message(lastError.get());
        if (status == GradclipNative.GC_E_INVALID) {
            throw new IllegalArgumentException(what + ": " + message);
        }
        throw new NativeException(status, what, message);
    }

    static String message(MemorySegment cString) {
        if (cString == null || cString.equals(MemorySegment.NULL)) {
            return "";
        }
        return cString.reinterpret(MAX_MESSAGE).getString(0);
    }
}
