package dev.gradclip;

/** The hand-worked semantics on the Java reference. */
class JavaSemanticsTest extends SemanticsTestBase {
    @Override
    protected GradClip openBackend() {
        return GradClip.open(Backend.JAVA);
    }
}
