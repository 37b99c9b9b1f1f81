package rl

import (
	"fmt"
	"math"
)

// Trajectory is a time-major view of T steps of N parallel environments:
// entry t·N + n of every per-step slice belongs to step t of env n. Step t
// is the transition from s_t with reward r_t; it ended its episode when
// Terminated or Truncated is set, and the next entry of that env then starts
// a new episode. Nothing is copied.
//
// Bootstrapping follows the seed's n-step returns
// G^(n)_t = Σ_{j<n} γ^j r_{t+j} + γ^n V(s_{t+n}) with V(s_{t+n}) replaced, when
// the episode or rollout ends first (after m ≤ n steps), by:
//   - 0 when step t+m−1 Terminated (a true terminal state; Terminated wins if
//     both flags are set),
//   - FinalValues[t+m−1] = V(true final observation) when it Truncated,
//   - LastValues[n] = V(s_T) when the rollout ends at t+m−1 = T−1 without
//     the episode ending.
//
// Nil FinalValues or LastValues mean 0 (pure Monte Carlo reward-to-go).
type Trajectory struct {
	Steps, Envs int       // T and N
	Rewards     []float32 // T·N rewards r_t
	Values      []float32 // T·N values V(s_t)
	Terminated  []bool    // T·N: s_{t+1} is terminal, do not bootstrap
	Truncated   []bool    // T·N: the episode was cut off after step t; bootstrap from FinalValues
	FinalValues []float32 // T·N: V(final observation) where Truncated, ignored elsewhere; nil means 0
	LastValues  []float32 // N: V(s_T) of the observation after the last step; nil means 0
}

// check panics unless every slice has the right length (Values may be nil
// when needValues is false).
func (tr *Trajectory) check(op string, needValues bool) {
	n := tr.Steps * tr.Envs
	if tr.Steps < 0 || tr.Envs < 0 {
		panic(fmt.Sprintf("rl: %s: negative shape %d×%d", op, tr.Steps, tr.Envs))
	}
	lens := []struct {
		name  string
		got   int
		want  int
		nilOK bool
		isNil bool
	}{
		{"Rewards", len(tr.Rewards), n, false, false},
		{"Values", len(tr.Values), n, !needValues, tr.Values == nil},
		{"Terminated", len(tr.Terminated), n, false, false},
		{"Truncated", len(tr.Truncated), n, false, false},
		{"FinalValues", len(tr.FinalValues), n, true, tr.FinalValues == nil},
		{"LastValues", len(tr.LastValues), tr.Envs, true, tr.LastValues == nil},
	}
	for _, l := range lens {
		if l.nilOK && l.isNil {
			continue
		}
		if l.got != l.want {
			panic(fmt.Sprintf("rl: %s: %s has length %d, want %d (T=%d, N=%d)", op, l.name, l.got, l.want, tr.Steps, tr.Envs))
		}
	}
}

// ended reports whether entry i (step t) is the last of its segment: the
// episode ended there or the rollout did.
func (tr *Trajectory) ended(i, t int) bool {
	return tr.Terminated[i] || tr.Truncated[i] || t == tr.Steps-1
}

// boot returns the value that replaces V(s_{t+1}) after entry i (step t, env
// n): 0 at a terminal, FinalValues at a truncation, LastValues at the end of
// the rollout, and Values of the next step otherwise.
func (tr *Trajectory) boot(i, t, n int) float64 {
	switch {
	case tr.Terminated[i]:
		return 0
	case tr.Truncated[i]:
		if tr.FinalValues == nil {
			return 0
		}
		return float64(tr.FinalValues[i])
	case t == tr.Steps-1:
		if tr.LastValues == nil {
			return 0
		}
		return float64(tr.LastValues[n])
	}
	return float64(tr.Values[i+tr.Envs])
}

// delta returns the TD error δ_t = r_t + γ·boot − V(s_t) of entry i.
func (tr *Trajectory) delta(i, t, n int, gamma float64) float64 {
	return float64(tr.Rewards[i]) + gamma*tr.boot(i, t, n) - float64(tr.Values[i])
}

func outDst(op string, dst []float32, n int) []float32 {
	if dst == nil {
		return make([]float32, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("rl: %s: dst has length %d, want %d", op, len(dst), n))
	}
	return dst
}

// DiscountedReturns writes the discounted reward-to-go of every step,
// G_t = r_t + γ·G_{t+1} within an episode, ending with the bootstrap value of
// Trajectory (0 at a terminal, V(final obs) at a truncation, LastValues at
// the end of the rollout), into dst (length T·N; nil allocates) and returns
// dst. Values are not needed (they may be nil). Sums run in float64.
func DiscountedReturns(dst []float32, tr Trajectory, gamma float64) []float32 {
	tr.check("DiscountedReturns", false)
	dst = outDst("DiscountedReturns", dst, tr.Steps*tr.Envs)
	for n := 0; n < tr.Envs; n++ {
		var g float64
		for t := tr.Steps - 1; t >= 0; t-- {
			i := t*tr.Envs + n
			if tr.ended(i, t) {
				g = tr.boot(i, t, n) // never reads Values at a segment end
			}
			g = float64(tr.Rewards[i]) + gamma*g
			dst[i] = float32(g)
		}
	}
	return dst
}

// NStepReturns writes the n-step returns
// G^(n)_t = Σ_{j<m} γ^j r_{t+j} + γ^m·B, m = min(n, steps left in the segment),
// where B is V(s_{t+n}) = Values[t+n] when the segment continues past t+n−1
// and the Trajectory's bootstrap value (0, V(final obs) or LastValues)
// otherwise, into dst (length T·N; nil allocates) and returns dst. n = 1
// gives the one-step TD target r_t + γV(s_{t+1}); n ≥ T gives
// DiscountedReturns. It panics if n < 1.
func NStepReturns(dst []float32, tr Trajectory, gamma float64, n int) []float32 {
	if n < 1 {
		panic(fmt.Sprintf("rl: NStepReturns: n = %d, want ≥ 1", n))
	}
	tr.check("NStepReturns", true)
	dst = outDst("NStepReturns", dst, tr.Steps*tr.Envs)
	for e := 0; e < tr.Envs; e++ {
		for t := 0; t < tr.Steps; t++ {
			var g, disc float64 = 0, 1
			for j := 0; j < n; j++ {
				k := t + j
				i := k*tr.Envs + e
				g += disc * float64(tr.Rewards[i])
				disc *= gamma
				if tr.ended(i, k) || j == n-1 {
					g += disc * tr.boot(i, k, e)
					break
				}
			}
			dst[t*tr.Envs+e] = float32(g)
		}
	}
	return dst
}

// LambdaReturns writes the seed's λ-returns (TD(λ) targets)
// G_t(λ) = (1−λ)Σ_{k≥1} λ^{k−1} G^(k)_t, computed by the recursion
// G_t(λ) = r_t + γ[(1−λ)V(s_{t+1}) + λG_{t+1}(λ)] inside a segment and
// G_t(λ) = r_t + γ·B at its last step (B the bootstrap value), into dst
// (length T·N; nil allocates) and returns dst. G(λ) = GAE(λ) + V exactly;
// λ = 0 gives the one-step target, λ = 1 DiscountedReturns.
func LambdaReturns(dst []float32, tr Trajectory, gamma, lambda float64) []float32 {
	tr.check("LambdaReturns", true)
	dst = outDst("LambdaReturns", dst, tr.Steps*tr.Envs)
	for n := 0; n < tr.Envs; n++ {
		var next float64 // G_{t+1}(λ)
		for t := tr.Steps - 1; t >= 0; t-- {
			i := t*tr.Envs + n
			var g float64
			if tr.ended(i, t) {
				g = float64(tr.Rewards[i]) + gamma*tr.boot(i, t, n)
			} else {
				g = float64(tr.Rewards[i]) + gamma*((1-lambda)*float64(tr.Values[i+tr.Envs])+lambda*next)
			}
			dst[i] = float32(g)
			next = g
		}
	}
	return dst
}

// GAE writes the generalised advantage estimate
// A_t(λ) = Σ_{j≥0} (γλ)^j δ_{t+j}, δ_t = r_t + γV(s_{t+1}) − V(s_t) (the seed's
// (1−λ)Σ_k λ^k A^(k+1)), by the backward recursion A_t = δ_t + γλA_{t+1}, into
// dst (length T·N; nil allocates) and returns dst. The trace is cut at every
// episode end: a terminal contributes δ_t = r_t − V(s_t); a truncation
// δ_t = r_t + γV(final obs) − V(s_t); the last rollout step
// δ_t = r_t + γ·LastValues − V(s_t). Sums run in float64; no allocation with
// a non-nil dst.
func GAE(dst []float32, tr Trajectory, gamma, lambda float64) []float32 {
	tr.check("GAE", true)
	dst = outDst("GAE", dst, tr.Steps*tr.Envs)
	for n := 0; n < tr.Envs; n++ {
		var next float64 // A_{t+1}
		for t := tr.Steps - 1; t >= 0; t-- {
			i := t*tr.Envs + n
			a := tr.delta(i, t, n, gamma)
			if !tr.ended(i, t) {
				a += gamma * lambda * next
			}
			dst[i] = float32(a)
			next = a
		}
	}
	return dst
}

// TruncatedGAE writes the seed's truncated advantage estimators with horizon
// T = horizon into dst (length Steps·Envs; nil allocates) and returns dst:
//
//	A(λ,T) = (1−λ) Σ_{k<T} λ^k A^(k+1)                 (corrected = false)
//	Ã(λ,T) = (1−λ)/(1−λ^T) Σ_{k<T} λ^k A^(k+1)         (corrected = true)
//
// with A^(k)_t = G^(k)_t − V(s_t) = Σ_{j<k} γ^j δ_{t+j}. The weights
// (1−λ)λ^k of A(λ,T) sum to 1−λ^T; Ã renormalises them to sum to 1. In terms
// of TD errors, with m the number of steps left in the segment:
//
//	A(λ,T) = Σ_{j<min(T,m)} γ^j (λ^j − λ^T) δ_{t+j},   Ã(λ,T) = A(λ,T)/(1−λ^T).
//
// Convention when T exceeds the m steps left in the segment: the window is
// not shortened; A^(k) for k > m equals A^(m), because after the segment's
// last step every further n-step return is the same bootstrapped one (exact
// at a terminal; at a truncation or the end of the rollout the bootstrap
// value stands for all later rewards). Hence A(λ,T) → GAE and Ã(λ,T) → GAE
// as T → ∞, and for T ≥ m: A(λ,T) = GAE − λ^T A^(m) and
// Ã(λ,T) = (GAE − λ^T A^(m))/(1−λ^T). λ = 1 gives Ã = (1/T)Σ_{k≤T} A^(k) (the
// limit) and A = 0; λ = 0 or T = 1 gives Ã = δ_t.
//
// Cost is O(Steps·Envs·min(T, segment length)). It panics if horizon < 1 or
// lambda is outside [0, 1].
func TruncatedGAE(dst []float32, tr Trajectory, gamma, lambda float64, horizon int, corrected bool) []float32 {
	if horizon < 1 {
		panic(fmt.Sprintf("rl: TruncatedGAE: horizon %d, want ≥ 1", horizon))
	}
	if !(lambda >= 0 && lambda <= 1) {
		panic(fmt.Sprintf("rl: TruncatedGAE: λ = %v outside [0, 1]", lambda))
	}
	tr.check("TruncatedGAE", true)
	dst = outDst("TruncatedGAE", dst, tr.Steps*tr.Envs)
	lamT := math.Pow(lambda, float64(horizon))
	norm := 1.0
	if corrected && lambda < 1 {
		norm = 1 / (1 - lamT)
	}
	for e := 0; e < tr.Envs; e++ {
		for t := 0; t < tr.Steps; t++ {
			var a float64
			gj, lj := 1.0, 1.0 // γ^j, λ^j
			for j := 0; j < horizon; j++ {
				k := t + j
				i := k*tr.Envs + e
				var w float64
				switch {
				case !corrected:
					w = lj - lamT
				case lambda == 1:
					w = float64(horizon-j) / float64(horizon)
				default:
					w = (lj - lamT) * norm
				}
				a += gj * w * tr.delta(i, k, e, gamma)
				if tr.ended(i, k) {
					break
				}
				gj *= gamma
				lj *= lambda
			}
			dst[t*tr.Envs+e] = float32(a)
		}
	}
	return dst
}
