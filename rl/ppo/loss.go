package ppo

import (
	"fmt"
	"math"
)

// ClippedSurrogate returns PPO's clipped policy loss over a minibatch of B
// transitions,
//
//	L^CLIP = (1/B) Σ_i max(−A_i·r_i, −A_i·clip(r_i, 1−ε, 1+ε)),  r_i = exp(logRatio_i),
//
// with logRatio_i = log π(a_i|s_i) − log π_old(a_i|s_i), the fraction of
// transitions whose ratio lies outside [1−ε, 1+ε], and writes
// ∂L^CLIP/∂log π(a_i|s_i) into grad (length B): −A_i·r_i/B where the
// unclipped term attains the max, 0 where the clipped (constant) one does.
// Sums run in float64. It panics unless the lengths match.
func ClippedSurrogate(grad, logRatio, adv []float32, eps float64) (loss, clipFrac float64) {
	b := len(logRatio)
	if len(adv) != b || len(grad) != b {
		panic(fmt.Sprintf("ppo: ClippedSurrogate lengths grad %d, logRatio %d, adv %d", len(grad), b, len(adv)))
	}
	if b == 0 {
		return 0, 0
	}
	inv := 1 / float64(b)
	clipped := 0
	for i, lr := range logRatio {
		r := math.Exp(float64(lr))
		a := float64(adv[i])
		rc := min(max(r, 1-eps), 1+eps)
		if math.Abs(r-1) > eps {
			clipped++
		}
		u, c := -a*r, -a*rc
		if u >= c {
			loss += u
			grad[i] = float32(-a * r * inv)
		} else {
			loss += c
			grad[i] = 0
		}
	}
	return loss * inv, float64(clipped) * inv
}

// ValueLoss returns Stable-Baselines3's PPO value loss over B transitions,
//
//	L^V = (1/B) Σ_i (R_i − v'_i)²,   v'_i = v_i, or with clipVF > 0
//	v'_i = vOld_i + clip(v_i − vOld_i, −clipVF, clipVF),
//
// for predictions v, rollout values vOld and targets (returns) ret, and
// writes ∂L^V/∂v_i into grad: 2(v'_i − R_i)/B, or 0 where the clip is
// active. It panics unless the lengths match.
func ValueLoss(grad, v, vOld, ret []float32, clipVF float64) float64 {
	b := len(v)
	if len(vOld) != b || len(ret) != b || len(grad) != b {
		panic(fmt.Sprintf("ppo: ValueLoss lengths grad %d, v %d, vOld %d, ret %d", len(grad), b, len(vOld), len(ret)))
	}
	if b == 0 {
		return 0
	}
	inv := 1 / float64(b)
	var loss float64
	for i := range v {
		p, pass := float64(v[i]), 1.0
		if clipVF > 0 {
			o := float64(vOld[i])
			d := p - o
			if d > clipVF || d < -clipVF {
				pass = 0
			}
			p = o + min(max(d, -clipVF), clipVF)
		}
		e := p - float64(ret[i])
		loss += e * e
		grad[i] = float32(2 * e * inv * pass)
	}
	return loss * inv
}
