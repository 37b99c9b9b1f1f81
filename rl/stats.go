package rl

import "math"

// NormalizeEps is the ε of Normalize, PPO's 1e−8.
const NormalizeEps = 1e-8

// Normalize standardises x in place to (x − mean)/(std + 1e−8) and returns
// x, with the sample standard deviation (n − 1 in the denominator, as
// PyTorch's Tensor.std that PPO implementations call). A slice of length ≤ 1
// has std 0 and becomes all zeros. Sums run in float64.
func Normalize(x []float32) []float32 {
	n := len(x)
	if n == 0 {
		return x
	}
	var m float64
	for _, v := range x {
		m += float64(v)
	}
	m /= float64(n)
	var ss float64
	for _, v := range x {
		d := float64(v) - m
		ss += d * d
	}
	var sd float64
	if n > 1 {
		sd = math.Sqrt(ss / float64(n-1))
	}
	inv := 1 / (sd + NormalizeEps)
	for i, v := range x {
		x[i] = float32((float64(v) - m) * inv)
	}
	return x
}

// ExplainedVariance returns 1 − Var[y − ŷ]/Var[y] for predictions pred = ŷ
// and targets y (PPO's losses/explained_variance of the value function): 1 for
// perfect predictions, 0 for predicting the mean, negative when worse. It
// returns NaN when Var[y] = 0 (undefined), as CleanRL does. It panics unless
// the lengths match.
func ExplainedVariance(pred, target []float32) float64 {
	if len(pred) != len(target) {
		panic("rl: ExplainedVariance: pred and target lengths differ")
	}
	n := float64(len(target))
	if n == 0 {
		return math.NaN()
	}
	var my, mr float64
	for i, y := range target {
		my += float64(y)
		mr += float64(y) - float64(pred[i])
	}
	my /= n
	mr /= n
	var vy, vr float64
	for i, y := range target {
		d := float64(y) - my
		r := float64(y) - float64(pred[i]) - mr
		vy += d * d
		vr += r * r
	}
	if vy == 0 {
		return math.NaN()
	}
	return 1 - vr/vy
}
