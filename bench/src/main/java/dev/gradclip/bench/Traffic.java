package dev.gradclip.bench;

/**
 * The bytes a mode's floor moves in one run (see {@link Mode#traffic}).
 *
 * @param readBytes bytes only read
 * @param readWriteBytes bytes read and written back (each counted once here, twice in {@link #total})
 */
public record Traffic(long readBytes, long readWriteBytes) {
    /** {@return every byte read or written: what GB/s figures divide by the time} */
    public long total() {
        return readBytes + 2 * readWriteBytes;
    }
}
