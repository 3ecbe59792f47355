package dev.gradclip.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CorpusTest {
    @Test
    void shippedTextLoads() {
        Corpus corpus = Corpus.load();
        assertTrue(corpus.length() > 300_000, "length " + corpus.length());
        assertEquals(84, corpus.vocabulary().size()); // printable ASCII in the text, plus newline
    }

    @Test
    void vocabularyRoundTripsAndOrdersByCharacter() {
        Vocabulary v = Vocabulary.of("hello, world");
        assertEquals("hello, world", v.decode(v.encode("hello, world")));
        assertEquals(0, v.id(' '));
        assertEquals(' ', v.character(0));
        assertThrows(IllegalArgumentException.class, () -> v.id('z'));
    }

    @Test
    void windowsAreTheTextAndTheTextOneCharacterLater() {
        String text = "abcdefghijklmnopqrstuvwxyz";
        Corpus corpus = Corpus.of(text);
        int[] in = new int[5];
        int[] target = new int[5];
        SplittableRandom random = new SplittableRandom(3);
        for (int k = 0; k < 50; k++) {
            corpus.sample(random, in, target);
            String window = corpus.vocabulary().decode(in);
            assertTrue(text.contains(window), window);
            assertArrayEquals(Arrays.copyOfRange(in, 1, 5), Arrays.copyOfRange(target, 0, 4));
            assertEquals(in[4] + 1, target[4]); // the alphabet: the next letter
        }
    }

    @Test
    void windowsLongerThanTheTextAreRefused() {
        Corpus corpus = Corpus.of("abc");
        assertThrows(IllegalArgumentException.class, () -> corpus.sample(new SplittableRandom(1), new int[3], new int[3]));
    }
}
