package dev.gradclip.bench.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.bench.Mode;
import java.util.List;
import org.junit.jupiter.api.Test;

class PythonTorchPeerTest {
    @Test
    void readsTheScriptsJson() {
        PythonTorchPeer.Run run = PythonTorchPeer.parse("""
                {"torch": "2.4.0", "threads": 2, "how": "clip_grad_norm_(foreach=True)",
                 "cases": [{"mode": "global-clip", "ms": [3.0, 1.0, 2.0], "check": "ok"},
                           {"mode": "value", "ms": [5.5], "check": "norm after the first run 1, reference 2"}]}
                """, List.of(Mode.GLOBAL_CLIP, Mode.VALUE));
        assertEquals(2, run.cases().size());
        assertEquals(Mode.GLOBAL_CLIP, run.cases().get(0).mode());
        assertEquals(2.0, run.cases().get(0).stats().medianMs(), 1e-9);
        assertEquals(3, run.cases().get(0).stats().runs());
        assertEquals("norm after the first run 1, reference 2", run.cases().get(1).check());
        assertTrue(run.note().contains("torch 2.4.0, 2 threads"), run.note());
    }

    @Test
    void anAnswerForAModeNotAskedIsAnError() {
        assertThrows(IllegalStateException.class, () -> PythonTorchPeer.parse(
                "{\"torch\": \"x\", \"threads\": 1, \"how\": \"\", \"cases\": [{\"mode\": \"norm\", \"ms\": [1], \"check\": \"ok\"}]}",
                List.of(Mode.VALUE)));
    }

    @Test
    void aMissingPythonIsReportedWithTheInstallCommand() {
        PeerUnavailableException e = assertThrows(PeerUnavailableException.class,
                () -> PythonTorchPeer.find("/nonexistent/python3"));
        assertTrue(e.getMessage().contains("/nonexistent/python3: not found"), e.getMessage());
        assertTrue(e.getMessage().contains(PythonTorchPeer.INSTALL), e.getMessage());
    }

    @Test
    void peerTolerancesFollowTheDtypesPrecision() {
        assertEquals(1e-6, PeerTolerance.of(dev.gradclip.DType.F32));
        assertEquals(4 * 0x1p-8, PeerTolerance.of(dev.gradclip.DType.BF16));
    }
}
