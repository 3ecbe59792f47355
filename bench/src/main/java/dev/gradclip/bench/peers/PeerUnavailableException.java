package dev.gradclip.bench.peers;

/** A peer cannot run here; the message says why and how to install it. */
public final class PeerUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PeerUnavailableException(String message) {
        super(message);
    }

    public PeerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
