package experiment

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/data"
	"github.com/vfe-go/vfe/pc/classify"
	"github.com/vfe-go/vfe/tensor"
)

// task is one stage of a continual sequence: its data, the classes its head
// mask allows at test time (nil: all), and an optional pixel permutation
// applied to every batch on the fly (so permuted tasks share one copy of
// the images).
type task struct {
	Name    string
	Train   *data.Dataset
	Val     *data.Dataset
	Test    *data.Dataset
	Classes []int // head mask for evaluation; nil: the full output
	Perm    []int // column j of a batch is column Perm[j] of the data; nil: none
}

// splits holds a dataset's train split, validation split and test set.
type splits struct {
	Train, Val, Test *data.Dataset
}

// loadSplits loads the dataset and carves the validation split from the
// training set with a generator seeded by SplitSeed.
func loadSplits(c Common) (*splits, error) {
	var train, test *data.Dataset
	var err error
	if c.DataDir != "" {
		train, test, err = data.LoadDir(c.DataDir, c.Dataset)
	} else {
		train, test, err = data.Load(c.Dataset, "")
	}
	if err != nil {
		return nil, err
	}
	tr, val, err := train.Split(rand.New(rand.NewPCG(SplitSeed, 0)), c.ValFrac)
	if err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	return &splits{Train: tr, Val: val, Test: test}, nil
}

// head returns the first n samples of d (all when n is 0 or ≥ its length).
func head(d *data.Dataset, n int) *data.Dataset {
	if n <= 0 || n >= d.Len() {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.Subset(idx)
}

// splitPairs are the class pairs of split MNIST and split Fashion-MNIST.
var splitPairs = [][]int{{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}}

// splitTasks returns the 5 two-class tasks (masked to their pair when
// masked is true).
func splitTasks(s *splits, c ContinualConfig, masked bool) ([]task, error) {
	if s.Train.Classes < 10 {
		return nil, fmt.Errorf("experiment: split protocols need 10 classes, %s has %d", s.Train.Name, s.Train.Classes)
	}
	ts := make([]task, len(splitPairs))
	for i, p := range splitPairs {
		ts[i] = task{
			Name:  fmt.Sprintf("%d/%d", p[0], p[1]),
			Train: head(s.Train.FilterClasses(p), c.TrainPerTask),
			Val:   head(s.Val.FilterClasses(p), c.ValPerTask),
			Test:  head(s.Test.FilterClasses(p), c.TestPerTask),
		}
		if masked {
			ts[i].Classes = p
		}
	}
	return ts, nil
}

// permutedTasks returns c.Tasks tasks over the same samples, task 0 with
// the identity and task t ≥ 1 with a pixel permutation drawn from a
// generator seeded by (seed, t).
func permutedTasks(s *splits, c ContinualConfig, seed uint64) []task {
	tr, val, te := head(s.Train, c.TrainPerTask), head(s.Val, c.ValPerTask), head(s.Test, c.TestPerTask)
	ts := make([]task, c.Tasks)
	for t := range ts {
		ts[t] = task{Name: fmt.Sprintf("P%d", t), Train: tr, Val: val, Test: te}
		if t > 0 {
			ts[t].Perm = data.PixelPermutation(rand.New(rand.NewPCG(seed, 0x9e37+uint64(t))), tr.Dim())
		}
	}
	return ts
}

// permuteInto writes x with its columns permuted (column j = x's column
// perm[j]) into buf, resized, and returns buf; a nil perm returns x.
func permuteInto(buf, x *tensor.Mat, perm []int) *tensor.Mat {
	if perm == nil {
		return x
	}
	buf.Resize(x.Rows, x.Cols)
	d := x.Cols
	for r := 0; r < x.Rows; r++ {
		src, dst := x.Data[r*d:(r+1)*d], buf.Data[r*d:(r+1)*d]
		for j, p := range perm {
			dst[j] = src[p]
		}
	}
	return buf
}

// trainer feeds batches to a classifier, permuting them for permuted tasks,
// and counts pre-update (online) correct predictions.
type trainer struct {
	clf      *classify.Classifier
	masked   *masked // non-nil: train with the output masked to a task's classes
	buf      *tensor.Mat
	diverged bool
	correct  int // pre-update correct predictions, summed over trained batches
	seen     int // samples trained on
}

func newTrainer(clf *classify.Classifier) *trainer {
	return &trainer{clf: clf, buf: tensor.New(0, 1)}
}

// epoch trains one pass over ds in batches of size b, shuffled by rng. A
// divergence (non-finite energy) stops training for good and is recorded;
// other errors are returned. It returns early when stop reports true.
func (t *trainer) epoch(it *data.Batches, perm []int, stop func() bool) error {
	for !t.diverged && it.Next() {
		if stop() {
			return errStopped
		}
		x := permuteInto(t.buf, it.X, perm)
		var correct int
		var err error
		if t.masked != nil {
			correct, err = t.masked.step(x, it.Y)
		} else {
			var st classify.BatchStats
			st, err = t.clf.TrainBatch(x, it.Y)
			correct = st.Correct
		}
		if err != nil {
			if isDiverged(err) {
				t.diverged = true
				return nil
			}
			return err
		}
		t.correct += correct
		t.seen += len(it.Y)
	}
	return nil
}

var errStopped = errors.New("experiment: stopped")

// accuracy returns the fraction of ds that clf classifies correctly, with
// the argmax over classes only (nil: all) and inputs permuted by perm. A
// model whose outputs are not finite scores 0.
func accuracy(clf *classify.Classifier, ds *data.Dataset, classes, perm []int, buf *tensor.Mat) float64 {
	if ds.Len() == 0 {
		return 0
	}
	it := ds.Sequential(500)
	correct := 0
	for it.Next() {
		sc, err := clf.Scores(permuteInto(buf, it.X, perm))
		if err != nil {
			return 0
		}
		for i, y := range it.Y {
			if argmaxMasked(sc.Data[i*sc.Cols:(i+1)*sc.Cols], classes) == y {
				correct++
			}
		}
	}
	return float64(correct) / float64(ds.Len())
}

// argmaxMasked returns the index of the largest of row[k] for k in classes
// (every index when classes is nil); ties go to the first.
func argmaxMasked(row []float32, classes []int) int {
	if classes == nil {
		best := 0
		for k, v := range row {
			if v > row[best] {
				best = k
			}
		}
		return best
	}
	best := classes[0]
	for _, k := range classes[1:] {
		if row[k] > row[best] {
			best = k
		}
	}
	return best
}
