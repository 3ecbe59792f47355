package dev.gradclip.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The named gradient sets of {@code --set}: real model shapes and two extremes of tensor count. */
public final class BuiltinSets {
    private BuiltinSets() {}

    /** GPT-2's vocabulary and context length, the same for every size. */
    private static final long GPT2_VOCAB = 50257;
    private static final long GPT2_CONTEXT = 1024;

    private static final Map<String, Supplier<ShapeSet>> SETS = new LinkedHashMap<>();

    static {
        SETS.put("gpt2-124m", () -> gpt2("gpt2-124m", 768, 12));
        SETS.put("tiny-2000x4096", () -> uniform("tiny-2000x4096", 2000, 4096));
        SETS.put("flat-256m", () -> uniform("flat-256m", 1, 256L << 20));
        SETS.put("gpt2-1.5b", () -> gpt2("gpt2-1.5b", 1600, 48));
    }

    /**
     * The sets a plain {@code ./gradclip bench} runs: 1.6 GB of fp32 in all, which fits the 3-minute
     * budget on a 2-core machine. gpt2-1.5b (6.2 GB of fp32) runs only when named or with {@code --all}.
     */
    public static final List<String> DEFAULT_NAMES = List.of("gpt2-124m", "tiny-2000x4096", "flat-256m");

    /** {@return every built-in set's name, in report order} */
    public static List<String> names() {
        return List.copyOf(SETS.keySet());
    }

    /**
     * {@return the built-in set of that name}
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static ShapeSet byName(String name) {
        Supplier<ShapeSet> s = SETS.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown set '" + name + "' (sets: " + String.join(",", names())
                    + "; or --shapes FILE)");
        }
        return s.get();
    }

    /**
     * {@return GPT-2's parameter shapes in Hugging Face's order and naming (without the "transformer."
     * prefix): wte, wpe, {@code layers} blocks of 12 tensors, ln_f}
     */
    public static ShapeSet gpt2(String name, long embd, int layers) {
        List<TensorShape> t = new ArrayList<>();
        t.add(new TensorShape("wte.weight", GPT2_VOCAB, embd));
        t.add(new TensorShape("wpe.weight", GPT2_CONTEXT, embd));
        for (int i = 0; i < layers; i++) {
            String h = "h." + i + ".";
            t.add(new TensorShape(h + "ln_1.weight", embd));
            t.add(new TensorShape(h + "ln_1.bias", embd));
            t.add(new TensorShape(h + "attn.c_attn.weight", embd, 3 * embd));
            t.add(new TensorShape(h + "attn.c_attn.bias", 3 * embd));
            t.add(new TensorShape(h + "attn.c_proj.weight", embd, embd));
            t.add(new TensorShape(h + "attn.c_proj.bias", embd));
            t.add(new TensorShape(h + "ln_2.weight", embd));
            t.add(new TensorShape(h + "ln_2.bias", embd));
            t.add(new TensorShape(h + "mlp.c_fc.weight", embd, 4 * embd));
            t.add(new TensorShape(h + "mlp.c_fc.bias", 4 * embd));
            t.add(new TensorShape(h + "mlp.c_proj.weight", 4 * embd, embd));
            t.add(new TensorShape(h + "mlp.c_proj.bias", embd));
        }
        t.add(new TensorShape("ln_f.weight", embd));
        t.add(new TensorShape("ln_f.bias", embd));
        return new ShapeSet(name, t);
    }

    /** {@return {@code count} one-dimensional tensors of {@code elements} each, named t0, t1, ...} */
    public static ShapeSet uniform(String name, int count, long elements) {
        List<TensorShape> t = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            t.add(new TensorShape(count == 1 ? "flat" : "t" + i, elements));
        }
        return new ShapeSet(name, t);
    }
}
