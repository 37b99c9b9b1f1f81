package wrap

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
)

// RunningStats is a running mean and (population) variance per dimension,
// merged batch by batch with Chan et al.'s parallel formula as
// Stable-Baselines3's and Gymnasium's RunningMeanStd do. It starts from
// mean 0, variance 1 and a pseudo-count Epsilon = 1e-4.
type RunningStats struct {
	// Mean is the running mean per dimension.
	Mean []float64
	// Var is the running population variance per dimension.
	Var []float64
	// Count is the number of samples merged, plus the initial 1e-4.
	Count float64
}

// NewRunningStats returns statistics for n dimensions.
func NewRunningStats(n int) *RunningStats {
	r := &RunningStats{Mean: make([]float64, n), Var: make([]float64, n), Count: 1e-4}
	for i := range r.Var {
		r.Var[i] = 1
	}
	return r
}

// Update merges one sample x (len n): with batch count 1 and δ = x − μ,
// μ ← μ + δ/(c+1), σ² ← (σ²·c + δ²·c/(c+1))/(c+1), c ← c+1.
func (r *RunningStats) Update(x []float32) {
	for i, v := range x {
		r.merge(i, float64(v))
	}
	r.Count++
}

// Update1 merges one sample of a one-dimensional statistic.
func (r *RunningStats) Update1(v float64) {
	r.merge(0, v)
	r.Count++
}

func (r *RunningStats) merge(i int, v float64) {
	tot := r.Count + 1
	delta := v - r.Mean[i]
	r.Mean[i] += delta / tot
	r.Var[i] = (r.Var[i]*r.Count + delta*delta*r.Count/tot) / tot
}

// State exports the statistics under the given name prefix, e.g.
// prefix+"mean", prefix+"var", prefix+"count" (count is a 1-value slice).
func (r *RunningStats) State(prefix string, dst map[string][]float64) {
	dst[prefix+"mean"] = append([]float64(nil), r.Mean...)
	dst[prefix+"var"] = append([]float64(nil), r.Var...)
	dst[prefix+"count"] = []float64{r.Count}
}

// Load restores statistics exported by State. It returns an error when a
// key is missing, a length differs or a value is invalid.
func (r *RunningStats) Load(prefix string, src map[string][]float64) error {
	mean, okM := src[prefix+"mean"]
	vr, okV := src[prefix+"var"]
	cnt, okC := src[prefix+"count"]
	if !okM || !okV || !okC {
		return fmt.Errorf("wrap: normalisation state lacks %smean, %svar or %scount", prefix, prefix, prefix)
	}
	if len(mean) != len(r.Mean) || len(vr) != len(r.Var) || len(cnt) != 1 {
		return fmt.Errorf("wrap: normalisation state %s has %d means, %d variances, %d counts; want %d, %d, 1",
			prefix, len(mean), len(vr), len(cnt), len(r.Mean), len(r.Var))
	}
	for i := range mean {
		if math.IsNaN(mean[i]) || math.IsInf(mean[i], 0) || !(vr[i] >= 0) || math.IsInf(vr[i], 0) {
			return fmt.Errorf("wrap: normalisation state %s dimension %d has mean %v, variance %v", prefix, i, mean[i], vr[i])
		}
	}
	if !(cnt[0] > 0) || math.IsInf(cnt[0], 0) {
		return fmt.Errorf("wrap: normalisation state %scount is %v; want a positive number", prefix, cnt[0])
	}
	copy(r.Mean, mean)
	copy(r.Var, vr)
	r.Count = cnt[0]
	return nil
}

// NormConfig configures NormalizeObs and NormalizeReward. The zero value
// means the defaults below.
type NormConfig struct {
	// Clip bounds the normalised value to [−Clip, Clip]; 0 means 10
	// (Stable-Baselines3's default); negative means no clipping.
	Clip float64
	// Epsilon is added to the variance before the square root; 0 means 1e-8.
	Epsilon float64
	// Gamma (γ) is the discount of the return whose spread scales rewards
	// (NormalizeReward only); 0 means 0.99.
	Gamma float64
}

func (c NormConfig) clip() float64 {
	switch {
	case c.Clip == 0:
		return 10
	case c.Clip < 0:
		return math.Inf(1)
	}
	return c.Clip
}

func (c NormConfig) eps() float64 {
	if c.Epsilon == 0 {
		return 1e-8
	}
	return c.Epsilon
}

func (c NormConfig) gamma() float64 {
	if c.Gamma == 0 {
		return 0.99
	}
	return c.Gamma
}

// NormalizeObs standardises observations with running statistics:
// clip((x − μ)/√(σ² + ε), ±Clip). While Training is true (the default) each
// observation updates μ and σ² before it is normalised; set it false to
// freeze the statistics for evaluation. Save them with State and restore
// them with Load alongside a model.
type NormalizeObs struct {
	inner env.Env
	// Training selects whether observations update the statistics.
	Training bool
	// Stats are the running statistics, one dimension per observation value.
	Stats *RunningStats
	cfg   NormConfig
	obs   []float32
	space env.Space
}

var _ env.Env = (*NormalizeObs)(nil)

// NewNormalizeObs wraps e.
func NewNormalizeObs(e env.Env, cfg NormConfig) *NormalizeObs {
	n := e.ObservationSpace().Dim()
	c := float32(cfg.clip())
	return &NormalizeObs{inner: e, Training: true, Stats: NewRunningStats(n), cfg: cfg,
		obs: make([]float32, n), space: env.UniformBox(-c, c, n)}
}

// ObservationSpace is Box(−Clip, Clip) (unbounded without clipping).
func (w *NormalizeObs) ObservationSpace() env.Space { return w.space }

// ActionSpace is the wrapped env's.
func (w *NormalizeObs) ActionSpace() env.Space { return w.inner.ActionSpace() }

// Unwrap returns the wrapped env.
func (w *NormalizeObs) Unwrap() env.Env { return w.inner }

func (w *NormalizeObs) norm(x []float32) []float32 {
	if w.Training {
		w.Stats.Update(x)
	}
	c, eps := w.cfg.clip(), w.cfg.eps()
	for i, v := range x {
		z := (float64(v) - w.Stats.Mean[i]) / math.Sqrt(w.Stats.Var[i]+eps)
		w.obs[i] = float32(min(max(z, -c), c))
	}
	return w.obs
}

// Reset resets the wrapped env and returns the normalised observation.
func (w *NormalizeObs) Reset(rng *rand.Rand) []float32 { return w.norm(w.inner.Reset(rng)) }

// Step steps the wrapped env and returns the normalised observation.
func (w *NormalizeObs) Step(action []float32) env.Step {
	st := w.inner.Step(action)
	st.Obs = w.norm(st.Obs)
	return st
}

// State returns the statistics as named slices: "obs_mean", "obs_var"
// (one value per dimension) and "obs_count".
func (w *NormalizeObs) State() map[string][]float64 {
	m := make(map[string][]float64, 3)
	w.Stats.State("obs_", m)
	return m
}

// Load restores statistics saved by State.
func (w *NormalizeObs) Load(m map[string][]float64) error { return w.Stats.Load("obs_", m) }

// Normalize is the standardised value of x under the current statistics
// without updating them, written to dst (allocated when nil).
func (w *NormalizeObs) Normalize(dst, x []float32) []float32 {
	if len(dst) != len(x) {
		dst = make([]float32, len(x))
	}
	c, eps := w.cfg.clip(), w.cfg.eps()
	for i, v := range x {
		z := (float64(v) - w.Stats.Mean[i]) / math.Sqrt(w.Stats.Var[i]+eps)
		dst[i] = float32(min(max(z, -c), c))
	}
	return dst
}

// NormalizeReward scales rewards by the running standard deviation of the
// discounted return, as Gymnasium's NormalizeReward and
// Stable-Baselines3's VecNormalize do: G ← γ·G·(1 − terminated) + r, the
// statistics are updated with G, and the reward becomes
// clip(r/√(Var[G] + ε), ±Clip). G restarts at 0 on Reset. The rewards are
// not centred. Training and State/Load work as for NormalizeObs.
type NormalizeReward struct {
	inner env.Env
	// Training selects whether rewards update the statistics.
	Training bool
	// Stats are the running statistics of the discounted return (1 dimension).
	Stats *RunningStats
	cfg   NormConfig
	ret   float64
}

var _ env.Env = (*NormalizeReward)(nil)

// NewNormalizeReward wraps e.
func NewNormalizeReward(e env.Env, cfg NormConfig) *NormalizeReward {
	return &NormalizeReward{inner: e, Training: true, Stats: NewRunningStats(1), cfg: cfg}
}

// ObservationSpace is the wrapped env's.
func (w *NormalizeReward) ObservationSpace() env.Space { return w.inner.ObservationSpace() }

// ActionSpace is the wrapped env's.
func (w *NormalizeReward) ActionSpace() env.Space { return w.inner.ActionSpace() }

// Unwrap returns the wrapped env.
func (w *NormalizeReward) Unwrap() env.Env { return w.inner }

// Reset restarts the discounted return.
func (w *NormalizeReward) Reset(rng *rand.Rand) []float32 {
	w.ret = 0
	return w.inner.Reset(rng)
}

// Step steps the wrapped env and scales its reward.
func (w *NormalizeReward) Step(action []float32) env.Step {
	st := w.inner.Step(action)
	term := 0.0
	if st.Terminated {
		term = 1
	}
	w.ret = w.ret*w.cfg.gamma()*(1-term) + st.Reward
	if w.Training {
		w.Stats.Update1(w.ret)
	}
	c := w.cfg.clip()
	st.Reward = min(max(st.Reward/math.Sqrt(w.Stats.Var[0]+w.cfg.eps()), -c), c)
	return st
}

// State returns the statistics as "reward_mean", "reward_var",
// "reward_count" (1-value slices).
func (w *NormalizeReward) State() map[string][]float64 {
	m := make(map[string][]float64, 3)
	w.Stats.State("reward_", m)
	return m
}

// Load restores statistics saved by State.
func (w *NormalizeReward) Load(m map[string][]float64) error { return w.Stats.Load("reward_", m) }
