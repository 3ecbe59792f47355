package dev.gradclip;

/** Storage type of a gradient tensor. Norms are always accumulated in fp64, whatever the storage. */
public enum DType {
    /** IEEE binary32. */
    F32(4, 0, "F32"),
    /** IEEE binary64. */
    F64(8, 1, "F64"),
    /** bfloat16: the upper half of a binary32. */
    BF16(2, 2, "BF16"),
    /** IEEE binary16. */
    F16(2, 3, "F16");

    private final int byteSize;
    private final int code;
    private final String safetensorsName;

    DType(int byteSize, int code, String safetensorsName) {
        this.byteSize = byteSize;
        this.code = code;
        this.safetensorsName = safetensorsName;
    }

    /** {@return the size of one element in bytes} */
    public int byteSize() {
        return byteSize;
    }

    /** {@return the dtype's code in the C ABI (GC_DTYPE_*)} */
    public int code() {
        return code;
    }

    /** {@return the name of this dtype in a safetensors header} */
    public String safetensorsName() {
        return safetensorsName;
    }

    /**
     * {@return the dtype a safetensors header names}
     *
     * @throws IllegalArgumentException if the name is not F32, F64, BF16 or F16
     */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported dtype '" + name + "' (supported: F32, F64, BF16, F16)");
    }
}
