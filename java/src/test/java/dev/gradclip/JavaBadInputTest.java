package dev.gradclip;

/** Bad input on the Java reference. */
class JavaBadInputTest extends BadInputTestBase {
    @Override
    protected GradClip openBackend() {
        return GradClip.open(Backend.JAVA);
    }
}
