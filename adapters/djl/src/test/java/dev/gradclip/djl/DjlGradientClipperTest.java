package dev.gradclip.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.GradClip;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Trains a small MLP on the PyTorch engine (offline, natives from the jar) with clipping between backward and step. */
class DjlGradientClipperTest {
    private static final float LEARNING_RATE = 0.1f;

    @BeforeAll
    static void pytorchLoadsOffline() {
        assertEquals("true", System.getProperty("ai.djl.offline"), "the test must run offline");
        try {
            Engine e = Engine.getEngine("PyTorch");
            System.out.println("DJL engine: " + e.getEngineName() + " " + e.getVersion());
        } catch (Throwable t) {
            assumeTrue(false, "DJL PyTorch engine did not load offline from pytorch-native-cpu: " + t);
        }
    }

    private static GradClip open(String backend) {
        Backend b = Backend.valueOf(backend);
        if (b == Backend.CPU) {
            assumeTrue(GradClip.availability().get(Backend.CPU).startsWith("available"),
                    "cpu backend: " + GradClip.availability().get(Backend.CPU));
        }
        return GradClip.open(b);
    }

    static SequentialBlock mlp() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(32).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(1).build());
    }

    private static float[][] copy(List<NDArray> arrays) {
        float[][] c = new float[arrays.size()][];
        for (int i = 0; i < c.length; i++) {
            c[i] = arrays.get(i).toFloatArray();
        }
        return c;
    }

    @ParameterizedTest
    @CsvSource({"JAVA,false", "CPU,false", "JAVA,true", "CPU,true"})
    void clipsBetweenBackwardAndStep(String backend, boolean staged) {
        double maxNorm = 0.5;
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             Model model = Model.newInstance("mlp", "PyTorch")) {
            model.setBlock(mlp());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(LEARNING_RATE)).build());
            manager.getEngine().setRandomSeed(7);
            NDArray x = manager.randomNormal(new Shape(64, 8));
            NDArray y = x.sum(new int[] {1}, true).mul(10).add(5);        // big targets: big gradients, clipped
            try (Trainer trainer = model.newTrainer(config);
                 GradClip clip = open(backend);
                 DjlGradientClipper clipper = new DjlGradientClipper(clip, staged)) {
                trainer.initialize(new Shape(64, 8));
                ClipPolicy policy = ClipPolicy.globalNorm(maxNorm);
                int clippedSteps = 0;
                for (int step = 0; step < 5; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray pred = trainer.forward(new NDList(x)).singletonOrThrow();
                        NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(pred));
                        gc.backward(loss);
                    }
                    List<NDArray> params = new ArrayList<>();
                    List<NDArray> grads = new ArrayList<>();
                    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                        params.add(p.getValue().getArray());
                        grads.add(p.getValue().getArray().getGradient());
                    }
                    float[][] before = copy(grads);
                    float[][] weights = copy(params);
                    double sq = 0;
                    for (float[] g : before) {
                        for (float v : g) {
                            sq += (double) v * v;
                        }
                    }
                    double norm = Math.sqrt(sq);

                    ClipResult r = clipper.clip(trainer, policy);

                    assertEquals(staged ? 0 : grads.size(), clipper.zeroCopyCount(), "zero-copy gradients");
                    assertEquals(norm, r.totalNorm(), norm * 1e-6, "step " + step);
                    double coef = Math.min(1.0, maxNorm / (norm + 1e-6));   // torch.nn.utils.clip_grad_norm_
                    float[][] after = copy(grads);
                    double sqAfter = 0;
                    for (int i = 0; i < after.length; i++) {
                        float[] expected = new float[before[i].length];
                        for (int j = 0; j < expected.length; j++) {
                            expected[j] = (float) (before[i][j] * coef);
                            sqAfter += (double) after[i][j] * after[i][j];
                        }
                        assertArrayEquals(expected, after[i], (float) (1e-6 * maxNorm), "step " + step + " gradient " + i);
                    }
                    assertTrue(Math.sqrt(sqAfter) <= maxNorm * (1 + 1e-5), "clipped global norm " + Math.sqrt(sqAfter));
                    if (r.clipped()) {
                        clippedSteps++;
                    }

                    trainer.step();

                    for (int i = 0; i < params.size(); i++) {        // SGD used the clipped gradient
                        float[] w = params.get(i).toFloatArray();
                        for (int j = 0; j < w.length; j++) {
                            assertEquals(weights[i][j] - LEARNING_RATE * after[i][j], w[j], 1e-5, "update of param " + i);
                        }
                    }
                }
                assertTrue(clippedSteps > 0, "the test data must need clipping");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"JAVA,false", "CPU,false", "CPU,true"})
    void adaptiveClippingUsesEachRowsWeights(String backend, boolean staged) {
        double lambda = 0.01;
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             Model model = Model.newInstance("mlp", "PyTorch")) {
            model.setBlock(mlp());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(LEARNING_RATE)).build());
            manager.getEngine().setRandomSeed(11);
            NDArray x = manager.randomNormal(new Shape(64, 8));
            NDArray y = x.sum(new int[] {1}, true).mul(10).add(5);
            try (Trainer trainer = model.newTrainer(config);
                 GradClip clip = open(backend);
                 DjlGradientClipper clipper = new DjlGradientClipper(clip, staged)) {
                trainer.initialize(new Shape(64, 8));
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDArray pred = trainer.forward(new NDList(x)).singletonOrThrow();
                    gc.backward(trainer.getLoss().evaluate(new NDList(y), new NDList(pred)));
                }
                List<NDArray> weights = new ArrayList<>();
                List<NDArray> grads = new ArrayList<>();
                for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                    weights.add(p.getValue().getArray());
                    grads.add(p.getValue().getArray().getGradient());
                }
                float[][] before = copy(grads);
                ClipResult r = clipper.clip(trainer, ClipPolicy.adaptive(lambda));
                float[][] after = copy(grads);
                long clippedUnits = 0;
                for (int i = 0; i < grads.size(); i++) {
                    float[] w = weights.get(i).toFloatArray();
                    long[] shape = grads.get(i).getShape().getShape();
                    int rows = shape.length <= 1 ? 1 : (int) shape[0];          // timm: rows of dim 0
                    int k = before[i].length / rows;
                    for (int row = 0; row < rows; row++) {
                        double g = 0;
                        double p = 0;
                        for (int j = row * k; j < (row + 1) * k; j++) {
                            g += (double) before[i][j] * before[i][j];
                            p += (double) w[j] * w[j];
                        }
                        double maxNorm = lambda * Math.max(Math.sqrt(p), 1e-3);
                        double coef = Math.sqrt(g) < maxNorm ? 1.0 : maxNorm / Math.max(Math.sqrt(g), 1e-6);
                        clippedUnits += coef < 1 ? 1 : 0;
                        for (int j = row * k; j < (row + 1) * k; j++) {
                            assertEquals((float) (before[i][j] * coef), after[i][j], 1e-6 * Math.abs(before[i][j]) + 1e-12,
                                    "param " + i + " row " + row);
                        }
                    }
                }
                assertTrue(clippedUnits > 0, "the test data must need clipping");
                assertEquals(clippedUnits, r.clippedCount());
            }
        }
    }
}
