package experiment

import (
	"math"
	"testing"
)

// hand is a 3-task accuracy matrix used for hand-computed reference values.
var hand = AccMatrix{
	{0.9, 0.1, 0.2},
	{0.6, 0.8, 0.3},
	{0.5, 0.7, 0.9},
}

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g", name, got, want)
	}
}

func mustPanic(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	f()
}

func TestAccMatrix_AverageAccuracy(t *testing.T) {
	t.Run("hand", func(t *testing.T) {
		// (0.5 + 0.7 + 0.9) / 3 = 0.7 by hand.
		near(t, "ACC", hand.AverageAccuracy(), 0.7, 1e-12)
	})
	t.Run("single task", func(t *testing.T) {
		near(t, "ACC", AccMatrix{{0.42}}.AverageAccuracy(), 0.42, 0)
	})
	t.Run("not square", func(t *testing.T) {
		mustPanic(t, func() { AccMatrix{{1, 2}, {3}}.AverageAccuracy() })
		mustPanic(t, func() { AccMatrix{}.AverageAccuracy() })
	})
}

func TestAccMatrix_BackwardTransfer(t *testing.T) {
	t.Run("hand", func(t *testing.T) {
		// ((0.5 − 0.9) + (0.7 − 0.8)) / 2 = −0.25 by hand.
		near(t, "BWT", hand.BackwardTransfer(), -0.25, 1e-12)
	})
	t.Run("no forgetting", func(t *testing.T) {
		// Every task keeps its just-trained accuracy: BWT = 0.
		r := AccMatrix{{0.8, 0}, {0.8, 0.9}}
		near(t, "BWT", r.BackwardTransfer(), 0, 1e-15)
	})
	t.Run("improvement is positive", func(t *testing.T) {
		// (0.9 − 0.7) / 1 = 0.2.
		r := AccMatrix{{0.7, 0.5}, {0.9, 0.9}}
		near(t, "BWT", r.BackwardTransfer(), 0.2, 1e-12)
	})
	t.Run("single task", func(t *testing.T) {
		near(t, "BWT", AccMatrix{{0.3}}.BackwardTransfer(), 0, 0)
	})
}

func TestAccMatrix_SeenAccuracy(t *testing.T) {
	// Row means over the lower triangle, by hand: 0.9; (0.6+0.8)/2 = 0.7;
	// (0.5+0.7+0.9)/3 = 0.7.
	for i, want := range []float64{0.9, 0.7, 0.7} {
		near(t, "seen", hand.SeenAccuracy(i), want, 1e-12)
	}
	mustPanic(t, func() { hand.SeenAccuracy(3) })
}

func TestMeanMatrix(t *testing.T) {
	a := AccMatrix{{1, 0}, {0.5, math.NaN()}}
	b := AccMatrix{{0, 0}, {0.7, math.NaN()}}
	m := MeanMatrix([]AccMatrix{a, b})
	near(t, "m00", m[0][0], 0.5, 1e-15)
	near(t, "m10", m[1][0], 0.6, 1e-15)
	if !math.IsNaN(m[1][1]) {
		t.Errorf("all-NaN entry = %v, want NaN", m[1][1])
	}
	mustPanic(t, func() { MeanMatrix(nil) })
	mustPanic(t, func() { MeanMatrix([]AccMatrix{a, {{1}}}) })
}

func TestSummarize(t *testing.T) {
	t.Run("three values", func(t *testing.T) {
		// {1, 2, 3}: mean 2, s = 1, t_{0.975,2} = 4.302652730 (Student-t
		// table), half-width 4.302652730/√3 = 2.484138.
		s := Summarize([]float64{1, 2, 3})
		near(t, "mean", s.Mean, 2, 1e-12)
		near(t, "ci", s.CI, 4.302652730/math.Sqrt(3), 1e-6)
		if s.N != 3 {
			t.Errorf("N = %d", s.N)
		}
	})
	t.Run("one value", func(t *testing.T) {
		s := Summarize([]float64{0.5})
		if s.Mean != 0.5 || !math.IsNaN(s.CI) || s.Excludes0() {
			t.Errorf("got %+v, want mean 0.5, NaN CI, not excluding 0", s)
		}
		if got := s.Pct(); got != "50.00" {
			t.Errorf("Pct = %q", got)
		}
	})
	t.Run("pct", func(t *testing.T) {
		if got := (Stat{Mean: 0.91234, CI: 0.0045, N: 5}).Pct(); got != "91.23 ± 0.45" {
			t.Errorf("Pct = %q", got)
		}
	})
}

func TestPaired(t *testing.T) {
	t.Run("hand", func(t *testing.T) {
		// Differences {0.1, 0, 0.1}: mean 1/15 = 0.0666…, s = √(1/300) =
		// 0.057735, half-width 4.302652730·0.057735/√3 = 0.143422.
		d := Paired([]float64{0.9, 0.8, 0.7}, []float64{0.8, 0.8, 0.6})
		near(t, "mean", d.Mean, 1.0/15, 1e-12)
		near(t, "ci", d.CI, 4.302652730*math.Sqrt(1.0/300)/math.Sqrt(3), 1e-6)
		if d.Excludes0() {
			t.Error("CI ±0.143 around 0.067 should include 0")
		}
	})
	t.Run("clear effect", func(t *testing.T) {
		// Differences {0.1, 0.11, 0.09}: mean 0.1, s = 0.01, half-width
		// 4.3027·0.01/√3 = 0.0248 < 0.1.
		d := Paired([]float64{0.6, 0.61, 0.59}, []float64{0.5, 0.5, 0.5})
		if !d.Excludes0() {
			t.Errorf("%+v should exclude 0", d)
		}
	})
	t.Run("length mismatch", func(t *testing.T) {
		mustPanic(t, func() { Paired([]float64{1}, nil) })
	})
}
