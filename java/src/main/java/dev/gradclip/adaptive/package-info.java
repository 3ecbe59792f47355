/**
 * Stateful clipping on top of {@link dev.gradclip.GradientSet}: a monitor of clip statistics, dynamic
 * loss scaling fused with clipping, and the adaptive thresholds AutoClip and ZClip.
 *
 * <p>Every class here uses only the set's public operations ({@code norm}, {@code scale},
 * {@code clipWithNorm}), so it works on every backend. State lives in preallocated primitive arrays and
 * results are updated in place ({@link dev.gradclip.adaptive.ClipStep}), so a training step allocates
 * nothing on the Java heap. None of these classes is thread-safe; use one per gradient set.
 */
package dev.gradclip.adaptive;
