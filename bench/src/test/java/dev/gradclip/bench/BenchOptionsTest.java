package dev.gradclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import dev.gradclip.DType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
    private static BenchOptions parse(String... args) {
        return BenchOptions.parse(List.of(args));
    }

    @Test
    void defaultsRunEveryBackendModeAndPeerOnTheThreeDefaultSetsInFp32() {
        BenchOptions o = parse();
        assertEquals(List.of(Backend.JAVA, Backend.CPU, Backend.CUDA), o.backends());
        assertEquals(List.of("gpt2-124m", "tiny-2000x4096", "flat-256m"), o.sets());
        assertEquals(List.of(Mode.NORM, Mode.GLOBAL_NOCLIP, Mode.GLOBAL_CLIP, Mode.PER_TENSOR, Mode.VALUE), o.modes());
        assertEquals(BenchOptions.DEFAULT_BATCH, o.batch());
        assertEquals(List.of(DType.F32), o.dtypes());
        assertEquals(BenchOptions.PEER_NAMES, o.peers());
        assertEquals(1, o.warmup());
        assertEquals(1.0, o.maxSeconds());
        assertEquals(5, o.reps());
        assertNull(o.json());
        assertFalse(o.help());
    }

    @Test
    void listsAreCommaSeparatedInTheGivenOrderWithoutRepeats() {
        BenchOptions o = parse("--backend", "cpu,java,cpu", "--mode", "value,norm", "--dtype", "bf16,f64,F16",
                "--set", "flat-256m,gpt2-1.5b", "--peers", "pytorch,javaloop");
        assertEquals(List.of(Backend.CPU, Backend.JAVA), o.backends());
        assertEquals(List.of(Mode.VALUE, Mode.NORM), o.modes());
        assertEquals(List.of(DType.BF16, DType.F64, DType.F16), o.dtypes());
        assertEquals(List.of("flat-256m", "gpt2-1.5b"), o.sets());
        assertEquals(List.of("pytorch", "javaloop"), o.peers());
    }

    @Test
    void valuesMayFollowAnEqualsSign() {
        BenchOptions o = parse("--warmup=0", "--reps=9", "--max-seconds=0.5", "--json=out.json", "--threads=1");
        assertEquals(0, o.warmup());
        assertEquals(9, o.reps());
        assertEquals(0.5, o.maxSeconds());
        assertEquals(Path.of("out.json"), o.json());
        assertEquals(1, o.threads());
    }

    @Test
    void allAddsTheLargeSetAndShapesAloneRunOnlyTheFile() {
        assertTrue(parse("--all").sets().contains("gpt2-1.5b"));
        BenchOptions shapes = parse("--shapes", "my.txt");
        assertEquals(List.of(), shapes.sets());
        assertEquals(Path.of("my.txt"), shapes.shapesFile());
        assertEquals(List.of("tiny-2000x4096"), parse("--shapes", "my.txt", "--set", "tiny-2000x4096").sets());
    }

    @Test
    void theNewModesAreAcceptedByNameAndTheBatchByFlag() {
        BenchOptions o = parse("--mode", "block-rms,agc,agc-noclip,per-sample,per-sample-noise", "--batch", "8");
        assertEquals(List.of(Mode.BLOCK_RMS, Mode.AGC, Mode.AGC_NOCLIP, Mode.PER_SAMPLE, Mode.PER_SAMPLE_NOISE), o.modes());
        assertEquals(8, o.batch());
        assertMessage("--batch must be >= 1", "--batch", "0");
    }

    @Test
    void theAdaptiveModesAreAcceptedByNameButNotRunByDefault() {
        assertEquals(List.of(Mode.AMP, Mode.AUTOCLIP, Mode.ZCLIP), parse("--mode", "amp,autoclip,ZClip").modes());
        assertFalse(parse().modes().contains(Mode.AUTOCLIP) || parse().modes().contains(Mode.ZCLIP)
                || parse().modes().contains(Mode.AMP));
        assertTrue(BenchOptions.USAGE.contains("autoclip,zclip,amp"));
    }

    @Test
    void peersNoneMeasuresNoPeer() {
        assertEquals(List.of(), parse("--peers", "none").peers());
    }

    @Test
    void badArgumentsAreRejectedNamingTheProblem() {
        assertMessage("unknown backend 'tpu'", "--backend", "tpu");
        assertMessage("unknown set 'gpt3'", "--set", "gpt3");
        assertMessage("unknown mode 'clip'", "--mode", "clip");
        assertMessage("unknown dtype 'int8'", "--dtype", "int8");
        assertMessage("unknown peer 'jax'", "--peers", "jax");
        assertMessage("--reps must be >= 1", "--reps", "0");
        assertMessage("--warmup needs an integer", "--warmup", "two");
        assertMessage("--max-seconds must be a positive number", "--max-seconds", "-1");
        assertMessage("--json needs a value", "--json");
        assertMessage("unknown option '--fast'", "--fast", "yes");
        assertMessage("unknown option '--fast'", "--fast");
        assertMessage("unknown option 'gpt2-124m'", "gpt2-124m");
        assertMessage("empty list", "--mode", ",");
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(args));
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    @Test
    void helpIsRecognizedAnywhere() {
        assertTrue(parse("--set", "flat-256m", "-h").help());
        assertTrue(parse("--help").help());
    }
}
