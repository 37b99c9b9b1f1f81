package run

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// MeanCI95 returns the sample mean of xs and the half-width of its two-sided
// 95% confidence interval under the Student-t distribution:
// t_{0.975, n−1} · s / √n with s the unbiased sample standard deviation.
// For n = 1 the interval is undefined and halfWidth is NaN; for n = 0 both
// results are NaN.
func MeanCI95(xs []float64) (mean, halfWidth float64) {
	n := len(xs)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	mean = stat.Mean(xs, nil)
	if n == 1 {
		return mean, math.NaN()
	}
	s := stat.StdDev(xs, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	return mean, t * s / math.Sqrt(float64(n))
}
