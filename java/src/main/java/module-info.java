/**
 * gradclip: fused multi-tensor gradient clipping. The API is {@code dev.gradclip}; backends, FFM
 * bindings, the loader and the CLI are internal.
 */
module dev.gradclip {
    exports dev.gradclip;
    exports dev.gradclip.adaptive;
}
