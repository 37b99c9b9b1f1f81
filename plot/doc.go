// Package plot draws figures from run directories and experiment results as
// PNG files, with gonum.org/v1/plot:
//
//   - Curves: every metric of one run against its step (or epoch), one panel
//     per metric family (accuracy, energy, return, losses, or the metric
//     itself);
//   - Overlay: one metric of several runs; runs whose configs differ only in
//     their seed form a group drawn as the mean across seeds with a shaded
//     95% Student-t confidence band (run.MeanCI95);
//   - Heatmap: a matrix with its values printed in the cells (continual
//     learning: accuracy on task j after training on task i);
//   - Lines: means with 95% confidence error bars over an x grid (accuracy
//     against batch size);
//   - ImageGrid: a grid of grayscale images (plain image/png), e.g. generated
//     samples.
//
// It reads run directories only (through package run) and writes every file
// atomically. Non-finite values (NaN, ±Inf) are left out of lines, bands and
// colour scales. Output is deterministic: the same inputs give the same bytes.
//
// No equation of the framework is implemented here.
package plot
