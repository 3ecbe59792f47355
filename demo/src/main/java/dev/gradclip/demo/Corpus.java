package dev.gradclip.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The training text, encoded once, handing out random windows of it.
 *
 * <p>The default text is Ambrose Bierce's <i>The Devil's Dictionary</i> (1911, public domain), shipped
 * in this jar: see {@code src/main/resources/dev/gradclip/demo/PROVENANCE.md}. Nothing is downloaded.
 */
final class Corpus {
    /** The text shipped with the demo, next to this class. */
    static final String RESOURCE = "devils-dictionary.txt";

    private final Vocabulary vocabulary;
    private final int[] ids;

    private Corpus(String text) {
        this.vocabulary = Vocabulary.of(text);
        this.ids = vocabulary.encode(text);
    }

    /** {@return the shipped text} */
    static Corpus load() {
        try (InputStream in = Corpus.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the demo text " + RESOURCE + " is missing from the classpath");
            }
            // Normalised to \n so a checkout with CRLF line ends gives the same vocabulary and run.
            return of(new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo text " + RESOURCE, e);
        }
    }

    /** {@return a corpus of {@code text}} */
    static Corpus of(String text) {
        return new Corpus(text);
    }

    /** {@return the characters of the text, numbered} */
    Vocabulary vocabulary() {
        return vocabulary;
    }

    /** {@return the number of characters in the text} */
    int length() {
        return ids.length;
    }

    /**
     * Fills {@code input} with a window of the text that starts at a random place, and {@code target}
     * with the same window one character later: the model learns to predict each next character.
     *
     * @throws IllegalArgumentException if the arrays differ in length or the text is not longer than them
     */
    void sample(SplittableRandom random, int[] input, int[] target) {
        int n = input.length;
        if (target.length != n || n < 1 || n >= ids.length) {
            throw new IllegalArgumentException("windows of " + n + " characters do not fit a text of " + ids.length);
        }
        int start = random.nextInt(ids.length - n);
        System.arraycopy(ids, start, input, 0, n);
        System.arraycopy(ids, start + 1, target, 0, n);
    }
}
