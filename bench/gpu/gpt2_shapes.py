"""The gradient sets of the GPU benchmark, as lists of shapes (shared by the PyTorch peer and the comparison)."""


def gpt2(n_embd, n_layer, vocab=50257, n_ctx=1024):
    """GPT-2's parameter shapes in its own order: wte, wpe, per layer 12 tensors, ln_f."""
    shapes = [(vocab, n_embd), (n_ctx, n_embd)]
    for _ in range(n_layer):
        shapes += [(n_embd,), (n_embd,),                      # ln_1 weight, bias
                   (n_embd, 3 * n_embd), (3 * n_embd,),       # attn.c_attn
                   (n_embd, n_embd), (n_embd,),               # attn.c_proj
                   (n_embd,), (n_embd,),                      # ln_2
                   (n_embd, 4 * n_embd), (4 * n_embd,),       # mlp.c_fc
                   (4 * n_embd, n_embd), (n_embd,)]           # mlp.c_proj
    shapes += [(n_embd,), (n_embd,)]                          # ln_f
    return shapes


SETS = {
    "gpt2-124m": gpt2(768, 12),
    "gpt2-1.5b": gpt2(1600, 48),
    "flat-256m": [(256 * 1024 * 1024,)],
    "tiny-2000x4096": [(4096,)] * 2000,
}

assert len(SETS["gpt2-124m"]) == 148
