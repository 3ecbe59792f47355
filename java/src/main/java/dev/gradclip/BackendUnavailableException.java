package dev.gradclip;

/** A backend that was asked for explicitly cannot run here; the message says why and what to do. */
public class BackendUnavailableException extends GradClipException {
    private static final long serialVersionUID = 1L;
    private final Backend backend;

    /** @param backend the backend asked for @param reason why it is unavailable @param cause the load failure, or null */
    public BackendUnavailableException(Backend backend, String reason, Throwable cause) {
        super("backend " + backend.name().toLowerCase(java.util.Locale.ROOT) + " is not available: " + reason, cause);
        this.backend = backend;
    }

    /** {@return the backend that was asked for} */
    public Backend backend() {
        return backend;
    }
}
