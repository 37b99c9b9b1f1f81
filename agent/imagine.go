package agent

import (
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/plot"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// Imagination is the world model's open-loop prediction quality on one
// episode: Actual[t] is x_t, Pred[h−1][t] the prediction of x_t made h steps
// earlier from the filtered z_{t−h} by rolling the transition forward with
// the actions actually taken (nil for t < h), and MSE[h−1] the mean squared
// error of the h-step predictions.
type Imagination struct {
	Actual [][]float32
	Pred   [][][]float32
	MSE    []float64
}

// Imagine runs one episode (deterministic policy, reset drawn from seed) in
// an environment from makeEnv, filtering as it acts, then predicts every
// observation from 1 to horizon steps ahead.
func (a *Agent) Imagine(makeEnv rl.EnvMaker, seed uint64, horizon int) (*Imagination, error) {
	if horizon < 1 {
		return nil, fmt.Errorf("agent: imagination horizon %d must be ≥ 1", horizon)
	}
	saved := a.act
	a.act = nil
	defer func() { a.act = saved }()
	e, err := makeEnv()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x1a6e))
	obs := tensor.New(1, a.obsDim)
	copy(obs.Data, e.Reset(rng))
	var xs, zs, as [][]float32
	var act *tensor.Mat
	for {
		xs = append(xs, append([]float32(nil), obs.Data...))
		act = a.Act(act, obs, true, rng)
		zs = append(zs, append([]float32(nil), a.act.s.Data...))
		enc := make([]float32, a.actIn)
		a.encodeAction(enc, act.Data)
		as = append(as, enc)
		st := e.Step(act.Data)
		if st.Terminated || st.Truncated {
			break
		}
		copy(obs.Data, st.Obs)
	}
	T := len(xs)
	im := &Imagination{Actual: xs, Pred: make([][][]float32, horizon), MSE: make([]float64, horizon)}
	n := T - 1 // start times 0 … T−2 predict at least one step
	if n < 1 {
		return im, nil
	}
	f := a.World.NewFilter(n)
	cur := tensor.New(n, a.sDim)
	for t := 0; t < n; t++ {
		copy(cur.Row(t), zs[t])
	}
	for h := 1; h <= horizon; h++ {
		im.Pred[h-1] = make([][]float32, T)
		valid := 0
		f.SetPrev(cur)
		for t := 0; t < n; t++ {
			src, dst := t+h-1, t+h // action at t+h−1 leads to x_{t+h}
			if dst >= T {
				src, dst = T-1, T-1 // past the episode: keep the row finite, ignore it
			}
			copy(f.A.Row(t), as[src])
			copy(f.X.Row(t), xs[dst])
		}
		f.Init(false)
		var se float64
		for t := 0; t < n; t++ {
			if t+h >= T {
				continue
			}
			pred := append([]float32(nil), f.mu[0].Row(t)...)
			im.Pred[h-1][t+h] = pred
			for i, v := range f.eps[0].Row(t) {
				_ = i
				se += float64(v) * float64(v)
			}
			valid++
		}
		if valid > 0 {
			im.MSE[h-1] = se / float64(valid*a.obsDim)
		}
		f.State(cur)
	}
	return im, nil
}

// WritePNG draws the imagination: the mean squared prediction error against
// the horizon into out, and, for each observation dimension, the actual
// trajectory with the 1-step and horizon-step predictions into
// out-without-.png + "-dimK.png".
func (im *Imagination) WritePNG(out string) error {
	H := len(im.MSE)
	xs := make([]float64, H)
	mse := make([][]float64, H)
	for h := range xs {
		xs[h] = float64(h + 1)
		mse[h] = []float64{im.MSE[h]}
	}
	if err := plot.Lines(xs, []plot.Series{{Name: "one-episode MSE", Y: mse}}, plot.Axes{Title: "world-model prediction error vs horizon", X: "horizon h (steps)", Y: "mean squared error"}, out); err != nil {
		return err
	}
	if len(im.Actual) == 0 {
		return nil
	}
	T := len(im.Actual)
	ts := make([]float64, T)
	for t := range ts {
		ts[t] = float64(t)
	}
	base := out
	if len(base) > 4 && base[len(base)-4:] == ".png" {
		base = base[:len(base)-4]
	}
	for d := range im.Actual[0] {
		series := []plot.Series{{Name: "actual", Y: make([][]float64, T)}}
		for _, h := range uniq([]int{1, H}) {
			s := plot.Series{Name: fmt.Sprintf("predicted %d step(s) ahead", h), Y: make([][]float64, T)}
			for t := range ts {
				if p := im.Pred[h-1][t]; p != nil {
					s.Y[t] = []float64{float64(p[d])}
				}
			}
			series = append(series, s)
		}
		for t := range ts {
			series[0].Y[t] = []float64{float64(im.Actual[t][d])}
		}
		ax := plot.Axes{Title: fmt.Sprintf("observation %d: actual vs imagined", d), X: "time step", Y: fmt.Sprintf("x[%d]", d)}
		if err := plot.Lines(ts, series, ax, fmt.Sprintf("%s-dim%d.png", base, d)); err != nil {
			return err
		}
	}
	return nil
}

func uniq(xs []int) []int {
	var out []int
	for _, x := range xs {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}
