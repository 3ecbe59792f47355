package dev.gradclip.demo;

import java.util.Arrays;

/**
 * The characters a text uses, numbered 0..size-1: the model's input and output alphabet.
 *
 * <p>Ids follow character order, not first appearance, so the same text always gives the same ids
 * (and the same initial weights for a seed).
 */
final class Vocabulary {
    private final char[] chars;

    private Vocabulary(char[] sortedDistinct) {
        this.chars = sortedDistinct;
    }

    /** {@return the vocabulary of every distinct character in {@code text}} */
    static Vocabulary of(String text) {
        char[] distinct = text.chars().distinct().sorted().collect(StringBuilder::new,
                StringBuilder::appendCodePoint, StringBuilder::append).toString().toCharArray();
        if (distinct.length < 2) {
            throw new IllegalArgumentException("a text needs at least two distinct characters to model");
        }
        return new Vocabulary(distinct);
    }

    /** {@return the number of characters} */
    int size() {
        return chars.length;
    }

    /**
     * {@return the id of {@code c}}
     *
     * @throws IllegalArgumentException if the vocabulary does not hold {@code c}
     */
    int id(char c) {
        int i = Arrays.binarySearch(chars, c);
        if (i < 0) {
            throw new IllegalArgumentException("character U+" + String.format("%04X", (int) c) + " is not in the vocabulary");
        }
        return i;
    }

    /** {@return the character with id {@code id}} */
    char character(int id) {
        return chars[id];
    }

    /** {@return the ids of the characters of {@code text}} */
    int[] encode(String text) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = id(text.charAt(i));
        }
        return ids;
    }

    /** {@return the text the ids stand for} */
    String decode(int[] ids) {
        StringBuilder s = new StringBuilder(ids.length);
        for (int id : ids) {
            s.append(chars[id]);
        }
        return s.toString();
    }
}
