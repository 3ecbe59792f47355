package dev.gradclip;

/** The hand-worked block RMS, AGC and per-sample cases on the java backend. */
class JavaModesSemanticsTest extends ModesSemanticsTestBase {
    @Override
    protected GradClip openBackend() {
        return GradClip.open(Backend.JAVA);
    }
}
