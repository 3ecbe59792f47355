package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The units timm and Optax use for each weight shape (docs/SEMANTICS.md, AGC). */
class UnitsTest {
    @Test
    void torchUnitsAreTheRowsOfTheFirstDimension() {
        assertEquals(Units.whole(), Units.torch());
        assertEquals(Units.whole(), Units.torch(768));
        assertEquals(Units.rows(3072), Units.torch(3072, 768)); // nn.Linear(768, 3072).weight
        assertEquals(Units.rows(64), Units.torch(64, 3, 7, 7)); // nn.Conv2d(3, 64, 7).weight
        assertEquals(Units.rows(1), Units.torch(1, 5));
    }

    @Test
    void optaxUnitsAreTheColumnsAfterTheReducedAxes() {
        assertEquals(Units.whole(), Units.optax(768));
        assertEquals(Units.whole(), Units.optax(1, 768), "squeezes to one dimension");
        assertEquals(Units.whole(), Units.optax(768, 1));
        assertEquals(Units.columns(3072), Units.optax(768, 3072)); // Dense [in, out]
        assertEquals(Units.columns(12 * 64), Units.optax(768, 12, 64)); // multi-head [in, heads, dim]
        assertEquals(Units.columns(64), Units.optax(7, 7, 3, 64)); // Conv HWIO
        assertThrows(IllegalArgumentException.class, () -> Units.optax(2, 2, 2, 2, 2));
    }

    @Test
    void badUnitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Units.rows(0));
        assertThrows(IllegalArgumentException.class, () -> new Units(Units.Layout.WHOLE, 2));
        assertThrows(IllegalArgumentException.class, () -> Units.torch(-1, 2));
    }
}
