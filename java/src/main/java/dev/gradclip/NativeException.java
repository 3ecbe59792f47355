package dev.gradclip;

/**
 * A native kernel refused or failed an operation. For CUDA failures {@link #cudaError()} names the
 * CUDA error (e.g. {@code cudaErrorIllegalAddress}).
 */
public class NativeException extends GradClipException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String cudaError;

    /**
     * @param status the C ABI status code
     * @param context what gradclip was doing
     * @param nativeMessage the library's message; a CUDA failure's starts with the CUDA error's name
     */
    public NativeException(int status, String context, String nativeMessage) {
        super(context + ": " + nativeMessage);
        this.status = status;
        String name = null;
        if (nativeMessage != null && nativeMessage.startsWith("cuda")) {
            int end = nativeMessage.indexOf(':');
            name = end > 0 ? nativeMessage.substring(0, end) : nativeMessage;
        }
        this.cudaError = name;
    }

    /** {@return the C ABI status code (GC_E_*)} */
    public int status() {
        return status;
    }

    /** {@return the CUDA error's name, or null when this is not a CUDA error} */
    public String cudaError() {
        return cudaError;
    }
}
