package ppo

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/tensor"
)

// catRows caches, for a minibatch of categorical policies, each row's
// log-sum-exp, log-probabilities log p_k = z_k − lse, probabilities p_k =
// exp(log p_k) and entropy H. dist.Categorical's LogProb, Entropy,
// LogProbGrad and EntropyGrad each recompute these from the logits (four
// log-sum-exps and up to four exponentials per class and row); the
// update needs all four on the same logits, so it computes them once with
// the same float64 expressions, which gives bit-identical results.
type catRows struct {
	k     int
	lp, p []float64 // B×K
	h     []float64 // B
}

// compute fills the cache from logits (B×K).
func (c *catRows) compute(logits *tensor.Mat) {
	b, k := logits.Rows, logits.Cols
	c.k = k
	if cap(c.lp) < b*k {
		c.lp, c.p = make([]float64, b*k), make([]float64, b*k)
	}
	if cap(c.h) < b {
		c.h = make([]float64, b)
	}
	c.lp, c.p, c.h = c.lp[:b*k], c.p[:b*k], c.h[:b]
	for i := range b {
		row := logits.Row(i)
		lse := tensor.LogSumExp(row)
		lp, p := c.lp[i*k:(i+1)*k], c.p[i*k:(i+1)*k]
		var h float64
		for j, z := range row {
			l := float64(z) - lse
			e := math.Exp(l)
			lp[j], p[j] = l, e
			if !math.IsInf(l, -1) {
				h -= e * l // classes with p = 0 contribute 0
			}
		}
		c.h[i] = h
	}
}

// logProbEntropy writes log p_i(actions[i]) into logp and H_i into ent. It
// panics if an action is outside [0, K).
func (c *catRows) logProbEntropy(logp, ent []float32, actions []int) {
	for i, a := range actions {
		if a < 0 || a >= c.k {
			panic(fmt.Sprintf("ppo: action %d of row %d outside [0, %d)", a, i, c.k))
		}
		logp[i] = float32(c.lp[i*c.k+a])
		ent[i] = float32(c.h[i])
	}
}

// grad writes into dst (B×K) the gradient with respect to the logits of
// Σ_i dLogp_i·log p_i(actions[i]) + Σ_i dEnt_i·H_i (the entropy term only
// when withEnt): ∂log p(a)/∂z_k = 1[k = a] − p_k and ∂H/∂z_k =
// −p_k(log p_k + H), accumulated in the order and precision of
// dist.Categorical.LogProbGrad (beta 0) followed by EntropyGrad (beta 1).
func (c *catRows) grad(dst *tensor.Mat, actions []int, dLogp, dEnt []float32, withEnt bool) {
	k := c.k
	for i, a := range actions {
		d := dst.Row(i)
		lp, p := c.lp[i*k:(i+1)*k], c.p[i*k:(i+1)*k]
		w := float64(dLogp[i])
		for j := range d {
			g := -p[j]
			if j == a {
				g++
			}
			d[j] = 0
			d[j] += float32(w * g)
		}
		if !withEnt {
			continue
		}
		we, h := float64(dEnt[i]), c.h[i]
		for j := range d {
			if math.IsInf(lp[j], -1) {
				continue
			}
			d[j] += float32(-we * p[j] * (lp[j] + h))
		}
	}
}
