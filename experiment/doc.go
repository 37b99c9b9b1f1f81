// Package experiment runs reproducible, multi-seed studies that test the
// seed's claim that predictive coding (PC) "has been observed to outperform
// backpropagation at continual learning tasks — alleviating catastrophic
// interference to some degree [6] — and at small batch sizes [8]".
//
// Two studies compare PC (the seed's hierarchical Gaussian model: E-step
// inference on z, eqs. for F under a point-mass q, then the local M-step on
// θ) with backpropagation (BP) on the identical network:
//
//   - RunContinual: Split MNIST / Split Fashion-MNIST (5 tasks of 2
//     classes, task-incremental with a per-task head mask at test time, or
//     class-incremental with one 10-way output) and Permuted MNIST (10
//     tasks). After each task every task is tested, giving the accuracy
//     matrix R (AccMatrix), summarised by the average final accuracy and the
//     backward transfer (forgetting).
//   - RunBatchSize: test and online (prequential) accuracy for batch sizes
//     1 … 256 on a fixed budget of training samples.
//
// # Fairness
//
// For a given seed, PC and BP are built by pc/classify from one Config, so
// they share the architecture (784-256-256-10, tanh), the initialisation
// and the optimiser (Adam); both are fed the identical batches in the
// identical order (the order depends on the seed and task only). PC's label
// node is Gaussian, so BP minimises the same squared error on one-hot
// labels. Each method's hyperparameters — the learning rate from one shared
// grid, and for PC also the inference step size η and iteration count T —
// are chosen by the same grid search, trained with a separate seed
// (GridSeed) and scored on a validation split carved from the training set,
// never on the test set. Results are reported as mean ± 95% Student-t
// confidence intervals over seeds, and PC − BP differences are paired by
// seed.
//
// # Conventions
//
// Accuracies are fractions in [0, 1] in the API and percentages in reports.
// Every source of randomness is a math/rand/v2 generator seeded from the
// study's seeds. Each finished unit of work (one grid point, or one seed ×
// method × setting) is written atomically to DIR/units/NAME.json; a study
// run again with the same config skips finished units, so a study killed
// half-way continues where it stopped. Units run on RunOptions.Workers
// goroutines, each with its own classifier, generators and buffers, so the
// results do not depend on scheduling.
//
// Task-incremental training and testing mask the 10-way output to the
// task's two classes: at test time the argmax runs over them; in training
// the other output units are set to their predictions after every change
// of the hidden nodes, so they carry no error (exactly a free leaf node at
// its optimum) and the loss — BP's squared error, PC's energy — counts only
// the task's units. The class-incremental and permuted protocols use the
// full 10-way output throughout.
package experiment
