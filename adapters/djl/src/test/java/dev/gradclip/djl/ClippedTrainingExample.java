package dev.gradclip.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.GradClip;

/**
 * Trains a small MLP on random data for a few steps, clipping the global gradient norm to 1.0
 * between backward and step. Run it with the test class path, e.g.
 * {@code ../../mvnw -q test-compile exec:java -Dexec.mainClass=dev.gradclip.djl.ClippedTrainingExample -Dexec.classpathScope=test}
 * (add {@code -Dai.djl.offline=true} to forbid downloads).
 */
public final class ClippedTrainingExample {
    private ClippedTrainingExample() {
    }

    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager();
             Model model = Model.newInstance("mlp")) {
            model.setBlock(DjlGradientClipperTest.mlp());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).build());
            NDArray x = manager.randomNormal(new Shape(256, 8));
            NDArray y = x.sum(new int[] {1}, true).mul(10);
            try (Trainer trainer = model.newTrainer(config);
                 GradClip clip = GradClip.open();
                 DjlGradientClipper clipper = new DjlGradientClipper(clip)) {
                trainer.initialize(new Shape(256, 8));
                ClipPolicy policy = ClipPolicy.globalNorm(1.0);
                for (int step = 0; step < 20; step++) {
                    float loss;
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray pred = trainer.forward(new NDList(x)).singletonOrThrow();
                        NDArray l = trainer.getLoss().evaluate(new NDList(y), new NDList(pred));
                        loss = l.getFloat();
                        gc.backward(l);
                    }
                    ClipResult r = clipper.clip(trainer, policy);      // between backward and step
                    trainer.step();
                    System.out.printf("step %2d  loss %10.4f  grad norm %9.4f  %s%n", step, loss, r.totalNorm(),
                            r.clipped() ? "clipped x" + String.format("%.4f", r.coefficient()) : "");
                }
                System.out.println(clip.description() + ", " + clipper.zeroCopyCount() + "/" + clipper.size()
                        + " gradients clipped in place (zero-copy)");
            }
        }
    }
}
