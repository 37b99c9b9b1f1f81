package experiment

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vfe-go/vfe/plot"
	"github.com/vfe-go/vfe/run"
	"github.com/vfe-go/vfe/tensor"
)

// Figure files a study writes.
const (
	CurveFile       = "acc-after-task.png"     // continual: mean accuracy on the tasks seen so far
	BatchAccFile    = "acc-vs-batch.png"       // batch size: test accuracy
	BatchOnlineFile = "online-vs-batch.png"    // batch size: prequential accuracy
	heatmapPattern  = "accuracy-matrix-%s.png" // continual: mean R per method
)

// HeatmapFile returns the accuracy-matrix figure's file name for method.
func HeatmapFile(method string) string { return fmt.Sprintf(heatmapPattern, method) }

var methodName = map[string]string{"pc": "PC", "bp": "BP"}

func f64(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func writeCSV(path string, rows [][]string) error {
	return run.AtomicWrite(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		return cw.Error()
	})
}

func writeText(path string, b []byte) error {
	return run.AtomicWrite(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

func fmtStat(s Stat) string { return s.Pct() }

// verdict states whether a paired difference is distinguishable from 0.
func verdict(d Stat) string {
	if d.Excludes0() {
		return "95% CI excludes 0"
	}
	return "95% CI includes 0"
}

func writeCommand(b *bytes.Buffer, opts RunOptions) {
	if opts.Command != "" {
		fmt.Fprintf(b, "Command:\n\n```\n%s\n```\n\n", opts.Command)
	}
}

func writeGridTable(b *bytes.Buffer, units []*Unit, chosen Hyper, scoreName string) {
	fmt.Fprintf(b, "| hyperparameters | %s | diverged |\n|---|---|---|\n", scoreName)
	for _, u := range units {
		mark := ""
		if u.Hyper == chosen {
			mark = " **(chosen)**"
		}
		fmt.Fprintf(b, "| %s%s | %.2f | %v |\n", u.Hyper, mark, 100*u.Score, u.Diverged)
	}
	b.WriteString("\n")
}

// seedValues extracts one number per unit.
func seedValues(us []*Unit, f func(*Unit) float64) []float64 {
	xs := make([]float64, len(us))
	for i, u := range us {
		xs[i] = f(u)
	}
	return xs
}

func writeContinualReport(res *ContinualResult, opts RunOptions) error {
	cfg := res.Config
	n := len(res.TaskNames)
	acc := func(u *Unit) float64 { return u.R.AverageAccuracy() }
	bwt := func(u *Unit) float64 { return u.R.BackwardTransfer() }

	// results.csv
	rows := [][]string{{"study", "dataset", "protocol", "method", "seed", "lr", "eta", "T", "batch", "avg_acc", "bwt", "online_acc", "diverged", "wall_s"}}
	for j := range n {
		rows[0] = append(rows[0], fmt.Sprintf("final_acc_task%d", j))
	}
	for _, m := range Methods {
		for _, u := range res.Runs[m] {
			r := []string{"continual", cfg.Dataset, cfg.Protocol, m, strconv.FormatUint(u.Seed, 10), f64(u.Hyper.LR), f64(u.Hyper.Eta), strconv.Itoa(u.Hyper.T),
				strconv.Itoa(u.Batch), f64(acc(u)), f64(bwt(u)), f64(u.OnlineAcc), strconv.FormatBool(u.Diverged), strconv.FormatFloat(u.WallS, 'f', 2, 64)}
			for _, v := range u.R[n-1] {
				r = append(r, f64(v))
			}
			rows = append(rows, r)
		}
	}
	if err := writeCSV(filepath.Join(opts.Out, ResultsFile), rows); err != nil {
		return err
	}

	// Figures.
	xs := make([]float64, n)
	var series []plot.Series
	for i := range xs {
		xs[i] = float64(i + 1)
	}
	for _, m := range Methods {
		var rs []AccMatrix
		for _, u := range res.Runs[m] {
			rs = append(rs, u.R)
		}
		mr := MeanMatrix(rs)
		pct := make([][]float64, n)
		for i := range pct {
			pct[i] = make([]float64, n)
			for j := range pct[i] {
				pct[i][j] = 100 * mr[i][j]
			}
		}
		rowL := make([]string, n)
		for i := range rowL {
			rowL[i] = "after " + res.TaskNames[i]
		}
		title := fmt.Sprintf("%s, %s %s: test accuracy (%%)", methodName[m], cfg.Dataset, cfg.Protocol)
		if err := plot.Heatmap(pct, rowL, res.TaskNames, title, filepath.Join(opts.Out, HeatmapFile(m))); err != nil {
			return err
		}
		s := plot.Series{Name: methodName[m], Y: make([][]float64, n)}
		for i := range n {
			for _, r := range rs {
				s.Y[i] = append(s.Y[i], 100*r.SeenAccuracy(i))
			}
		}
		series = append(series, s)
	}
	ax := plot.Axes{Title: fmt.Sprintf("%s %s, %d seeds", cfg.Dataset, cfg.Protocol, cfg.Seeds), X: "tasks trained", Y: "mean accuracy on tasks seen (%)"}
	if err := plot.Lines(xs, series, ax, filepath.Join(opts.Out, CurveFile)); err != nil {
		return err
	}

	// report.md
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Continual learning: %s, protocol %s\n\n", cfg.Dataset, cfg.Protocol)
	fmt.Fprintf(&b, "%d tasks (%s), network 784-%s-10 tanh, Adam, batch %d, %d epoch(s) per task, %s training samples per task, %d seeds; BLAS %s.\n",
		n, strings.Join(res.TaskNames, ", "), joinInts(cfg.Hidden, "-"), cfg.Batch, cfg.EpochsPerTask, limitText(cfg.TrainPerTask), cfg.Seeds, tensor.BLAS())
	fmt.Fprintf(&b, "Test sets: %s samples per task. Accuracies in %%, mean ± 95%% Student-t CI over seeds.\n\n", limitText(cfg.TestPerTask))
	writeCommand(&b, opts)
	b.WriteString("## Results\n\n| method | average final accuracy ACC | backward transfer BWT | chosen hyperparameters |\n|---|---|---|---|\n")
	vals := map[string][2][]float64{}
	for _, m := range Methods {
		a, w := seedValues(res.Runs[m], acc), seedValues(res.Runs[m], bwt)
		vals[m] = [2][]float64{a, w}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", methodName[m], fmtStat(Summarize(a)), fmtStat(Summarize(w)), res.Chosen[m])
	}
	dA := Paired(vals["pc"][0], vals["bp"][0])
	dW := Paired(vals["pc"][1], vals["bp"][1])
	fmt.Fprintf(&b, "| PC − BP (paired by seed) | %s (%s) | %s (%s) | |\n\n", fmtStat(dA), verdict(dA), fmtStat(dW), verdict(dW))
	b.WriteString("BWT = mean over tasks j < T−1 of R[T−1][j] − R[j][j]; negative is forgetting.\n\n")
	b.WriteString("## Mean accuracy on the tasks seen so far, after each task\n\n| after task | " + strings.Join(upper(Methods), " | ") + " |\n|---|" + strings.Repeat("---|", len(Methods)) + "\n")
	for i := range n {
		fmt.Fprintf(&b, "| %s |", res.TaskNames[i])
		for _, m := range Methods {
			fmt.Fprintf(&b, " %s |", fmtStat(Summarize(seedValues(res.Runs[m], func(u *Unit) float64 { return u.R.SeenAccuracy(i) }))))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n![accuracy after each task](%s)\n\n## Accuracy matrices (mean over seeds)\n\n", CurveFile)
	for _, m := range Methods {
		var rs []AccMatrix
		for _, u := range res.Runs[m] {
			rs = append(rs, u.R)
		}
		mr := MeanMatrix(rs)
		fmt.Fprintf(&b, "### %s\n\nRow i: after training task i; column j: test accuracy on task j.\n\n| | %s |\n|---|%s\n", methodName[m], strings.Join(res.TaskNames, " | "), strings.Repeat("---|", n))
		for i := range n {
			fmt.Fprintf(&b, "| %s |", res.TaskNames[i])
			for j := range n {
				fmt.Fprintf(&b, " %.1f |", 100*mr[i][j])
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "\n![%s accuracy matrix](%s)\n\n", methodName[m], HeatmapFile(m))
	}
	fmt.Fprintf(&b, "## Grid search\n\nEach point trained once (seed %d) through the whole task sequence; score: average final accuracy on the tasks' validation splits (%g of the training set, at most %s per task). The test sets were not used.\n\n", GridSeed, cfg.ValFrac, limitText(cfg.ValPerTask))
	for _, m := range Methods {
		fmt.Fprintf(&b, "### %s\n\n", methodName[m])
		writeGridTable(&b, res.Grid[m], res.Chosen[m], "validation ACC (%)")
	}
	return writeText(filepath.Join(opts.Out, ReportFile), b.Bytes())
}

func writeBatchSizeReport(res *BatchSizeResult, opts RunOptions) error {
	cfg := res.Config
	test := func(u *Unit) float64 { return u.TestAcc }
	online := func(u *Unit) float64 { return u.OnlineAcc }
	rows := [][]string{{"study", "dataset", "method", "batch", "seed", "lr", "eta", "T", "train_samples", "epochs", "test_acc", "online_acc", "diverged", "wall_s"}}
	for _, m := range Methods {
		for bi, b := range cfg.Batches {
			for _, u := range res.Runs[m][bi] {
				rows = append(rows, []string{"batchsize", cfg.Dataset, m, strconv.Itoa(b), strconv.FormatUint(u.Seed, 10), f64(u.Hyper.LR), f64(u.Hyper.Eta), strconv.Itoa(u.Hyper.T),
					strconv.Itoa(cfg.TrainSamples), strconv.Itoa(cfg.Epochs), f64(u.TestAcc), f64(u.OnlineAcc), strconv.FormatBool(u.Diverged), strconv.FormatFloat(u.WallS, 'f', 2, 64)})
			}
		}
	}
	if err := writeCSV(filepath.Join(opts.Out, ResultsFile), rows); err != nil {
		return err
	}
	xs := make([]float64, len(cfg.Batches))
	for i, b := range cfg.Batches {
		xs[i] = float64(b)
	}
	for _, fig := range []struct {
		f    func(*Unit) float64
		file string
		what string
	}{{test, BatchAccFile, "test accuracy"}, {online, BatchOnlineFile, "online accuracy"}} {
		var series []plot.Series
		for _, m := range Methods {
			s := plot.Series{Name: methodName[m], Y: make([][]float64, len(cfg.Batches))}
			for bi := range cfg.Batches {
				for _, v := range seedValues(res.Runs[m][bi], fig.f) {
					s.Y[bi] = append(s.Y[bi], 100*v)
				}
			}
			series = append(series, s)
		}
		ax := plot.Axes{Title: fmt.Sprintf("%s, %d samples, %d seeds", cfg.Dataset, cfg.TrainSamples, cfg.Seeds), X: "batch size", Y: fig.what + " (%)", LogX: true}
		if err := plot.Lines(xs, series, ax, filepath.Join(opts.Out, fig.file)); err != nil {
			return err
		}
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "# Batch size: %s\n\n", cfg.Dataset)
	fmt.Fprintf(&b, "Training budget: the first %s samples of the training split, %d epoch(s), for every batch size; network 784-%s-10 tanh, Adam; %d seeds; test set %s samples; BLAS %s. Accuracies in %%, mean ± 95%% Student-t CI over seeds. Online accuracy: training samples predicted right before the update on them, first pass (prequential).\n\n",
		limitText(cfg.TrainSamples), cfg.Epochs, joinInts(cfg.Hidden, "-"), cfg.Seeds, limitText(cfg.TestLimit), tensor.BLAS())
	writeCommand(&b, opts)
	for _, tab := range []struct {
		f    func(*Unit) float64
		name string
	}{{test, "Test accuracy"}, {online, "Online (prequential) accuracy"}} {
		fmt.Fprintf(&b, "## %s\n\n| batch | PC | BP | PC − BP (paired) | |\n|---|---|---|---|---|\n", tab.name)
		for bi, bs := range cfg.Batches {
			p, q := seedValues(res.Runs["pc"][bi], tab.f), seedValues(res.Runs["bp"][bi], tab.f)
			d := Paired(p, q)
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", bs, fmtStat(Summarize(p)), fmtStat(Summarize(q)), fmtStat(d), verdict(d))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "![test accuracy vs batch size](%s)\n\n![online accuracy vs batch size](%s)\n\n", BatchAccFile, BatchOnlineFile)
	fmt.Fprintf(&b, "## Grid search\n\nFor each batch size and method, each point trained once (seed %d) on the same budget and scored on the validation split (%g of the training set, at most %s samples). The test set was not used.\n\n| batch | PC chosen | BP chosen |\n|---|---|---|\n", GridSeed, cfg.ValFrac, limitText(cfg.ValLimit))
	for bi, bs := range cfg.Batches {
		fmt.Fprintf(&b, "| %d | %s | %s |\n", bs, res.Chosen["pc"][bi], res.Chosen["bp"][bi])
	}
	b.WriteString("\n")
	for bi, bs := range cfg.Batches {
		for _, m := range Methods {
			fmt.Fprintf(&b, "### batch %d, %s\n\n", bs, methodName[m])
			writeGridTable(&b, res.Grid[m][bi], res.Chosen[m][bi], "validation accuracy (%)")
		}
	}
	return writeText(filepath.Join(opts.Out, ReportFile), b.Bytes())
}

func limitText(n int) string {
	if n <= 0 {
		return "all"
	}
	return strconv.Itoa(n)
}

func joinInts(xs []int, sep string) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, sep)
}

func upper(ms []string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = methodName[m]
	}
	return out
}
