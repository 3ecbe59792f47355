package dev.gradclip;

/** Base of the exceptions gradclip throws for failures that are not argument or state errors. */
public class GradClipException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong */
    public GradClipException(String message) {
        super(message);
    }

    /** @param message what went wrong @param cause the underlying failure */
    public GradClipException(String message, Throwable cause) {
        super(message, cause);
    }
}
