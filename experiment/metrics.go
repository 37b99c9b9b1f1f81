package experiment

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/run"
)

// AccMatrix is the continual-learning accuracy matrix R: R[i][j] is the test
// accuracy (a fraction in [0, 1]) on task j after training on tasks 0 … i in
// sequence. It is square, T×T for T tasks; entries above the diagonal
// (tasks not yet trained) are measured too and show forward transfer.
type AccMatrix [][]float64

// check panics unless r is a non-empty square matrix.
func (r AccMatrix) check() {
	if len(r) == 0 {
		panic("experiment: empty accuracy matrix")
	}
	for i, row := range r {
		if len(row) != len(r) {
			panic(fmt.Sprintf("experiment: accuracy matrix row %d has %d entries, want %d", i, len(row), len(r)))
		}
	}
}

// Tasks returns the number of tasks T.
func (r AccMatrix) Tasks() int { return len(r) }

// AverageAccuracy returns ACC = (1/T) Σ_j R[T−1][j], the mean accuracy over
// all tasks after training on the last one. It panics if r is not square
// and non-empty.
func (r AccMatrix) AverageAccuracy() float64 {
	r.check()
	last := r[len(r)-1]
	s := 0.0
	for _, v := range last {
		s += v
	}
	return s / float64(len(last))
}

// BackwardTransfer returns BWT = (1/(T−1)) Σ_{j<T−1} (R[T−1][j] − R[j][j]),
// the mean change in accuracy on earlier tasks caused by training the later
// ones (Lopez-Paz and Ranzato, 2017, "Gradient Episodic Memory"). Negative
// values are forgetting. For a single task it is 0. It panics if r is not
// square and non-empty.
func (r AccMatrix) BackwardTransfer() float64 {
	r.check()
	n := len(r)
	if n == 1 {
		return 0
	}
	s := 0.0
	for j := 0; j < n-1; j++ {
		s += r[n-1][j] - r[j][j]
	}
	return s / float64(n-1)
}

// SeenAccuracy returns (1/(i+1)) Σ_{j≤i} R[i][j], the mean accuracy over the
// tasks trained so far after task i: the accuracy-after-each-task curve. It
// panics if r is not square and non-empty or i is out of range.
func (r AccMatrix) SeenAccuracy(i int) float64 {
	r.check()
	if i < 0 || i >= len(r) {
		panic(fmt.Sprintf("experiment: task %d outside [0, %d)", i, len(r)))
	}
	s := 0.0
	for j := 0; j <= i; j++ {
		s += r[i][j]
	}
	return s / float64(i+1)
}

// MeanMatrix returns the element-wise mean of equally sized matrices (NaN
// entries are skipped; an entry NaN in every matrix stays NaN). It panics if
// ms is empty or the shapes differ.
func MeanMatrix(ms []AccMatrix) AccMatrix {
	if len(ms) == 0 {
		panic("experiment: MeanMatrix of no matrices")
	}
	n := len(ms[0])
	out := make(AccMatrix, n)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out[i] {
			s, k := 0.0, 0
			for _, m := range ms {
				m.check()
				if len(m) != n {
					panic(fmt.Sprintf("experiment: MeanMatrix of %d×%d and %d×%d matrices", n, n, len(m), len(m)))
				}
				if v := m[i][j]; !math.IsNaN(v) {
					s += v
					k++
				}
			}
			out[i][j] = math.NaN()
			if k > 0 {
				out[i][j] = s / float64(k)
			}
		}
	}
	return out
}

// Stat is a sample mean with the half-width of its two-sided 95% Student-t
// confidence interval over N values (CI is NaN when N < 2).
type Stat struct {
	Mean float64 `json:"mean"`
	CI   float64 `json:"ci95"`
	N    int     `json:"n"`
}

// Summarize returns the mean and 95% confidence half-width of xs (run.MeanCI95:
// t_{0.975,n−1}·s/√n with the unbiased standard deviation s).
func Summarize(xs []float64) Stat {
	m, h := run.MeanCI95(xs)
	return Stat{Mean: m, CI: h, N: len(xs)}
}

// Paired returns the per-seed differences a[i] − b[i] summarised: the
// effect size of a over b with its 95% confidence interval, pairing runs
// that share a seed (same initialisation and data order). It panics if the
// lengths differ.
func Paired(a, b []float64) Stat {
	if len(a) != len(b) {
		panic(fmt.Sprintf("experiment: Paired of %d and %d values", len(a), len(b)))
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return Summarize(d)
}

// Excludes0 reports whether the confidence interval lies entirely on one
// side of zero (the difference is statistically distinguishable at 95%).
func (s Stat) Excludes0() bool {
	return s.N >= 2 && !math.IsNaN(s.CI) && math.Abs(s.Mean) > s.CI
}

// Pct formats s as percentage points, "91.23 ± 0.45" (the ± part omitted
// when the interval is undefined).
func (s Stat) Pct() string {
	if math.IsNaN(s.CI) {
		return fmt.Sprintf("%.2f", 100*s.Mean)
	}
	return fmt.Sprintf("%.2f ± %.2f", 100*s.Mean, 100*s.CI)
}
