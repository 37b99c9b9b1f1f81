package rlrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/run"
	"github.com/vfe-go/vfe/tensor"
)

// fakeConfig is a tiny config exercising every ApplySets type.
type fakeConfig struct {
	TotalTimesteps int        `json:"total_timesteps"`
	NumEnvs        int        `json:"num_envs"`
	Gain           float64    `json:"gain"`
	Hidden         []int      `json:"hidden"`
	Anneal         bool       `json:"anneal"`
	Name           string     `json:"name"`
	Init           nn.Init    `json:"init"`
	Inner          innerCfg   `json:"adam"`
	Embedded                  // promoted fields
	Ignored        float64    `json:"-"`
	Adv            rl.Metric  `json:"-"`
	Adv2           [2]float64 `json:"pair"`
	// Flip turns the policy against the pole after the first evaluation.
	Flip bool `json:"flip"`
}

type innerCfg struct {
	LR float64 `json:"lr"`
}

type Embedded struct {
	Gamma float64 `json:"gamma"`
}

func (c fakeConfig) Validate() error {
	if c.Gain < 0 {
		return errors.New("fake: gain must be ≥ 0")
	}
	if c.TotalTimesteps < 1 || c.NumEnvs < 1 {
		return errors.New("fake: total_timesteps and num_envs must be ≥ 1")
	}
	return nil
}

func defaultFake() fakeConfig {
	return fakeConfig{TotalTimesteps: 2000, NumEnvs: 2, Gain: 1, Hidden: []int{64, 64}, Inner: innerCfg{LR: 3e-4}, Embedded: Embedded{Gamma: 0.99}}
}

// fakeAgent pushes the cart towards where the pole leans (a classic
// hand-written CartPole controller) when W > 0, and the other way when W < 0.
type fakeAgent struct{ W *tensor.Mat }

func (a *fakeAgent) Act(dst, obs *tensor.Mat, _ bool, _ *rand.Rand) *tensor.Mat {
	if dst == nil {
		dst = tensor.New(obs.Rows, 1)
	}
	for i := range obs.Rows {
		o := obs.Data[i*obs.Cols : (i+1)*obs.Cols]
		dst.Data[i] = 0
		if a.W.Data[0]*(o[2]+o[3]) > 0 {
			dst.Data[i] = 1
		}
	}
	return dst
}

func (a *fakeAgent) Tensors() []nn.NamedTensor { return []nn.NamedTensor{{Name: "w", Val: a.W}} }

func (a *fakeAgent) Load(ts []nn.NamedTensor) error {
	for _, t := range ts {
		if t.Name == "w" {
			copy(a.W.Data, t.Val.Data)
			return nil
		}
	}
	return errors.New("fake: no tensor w")
}

func newFake(c fakeConfig, _, _ env.Space) (*fakeAgent, error) {
	return &fakeAgent{W: tensor.New(1, 1)}, nil
}

func evalFake(a *fakeAgent, mk rl.EnvMaker, episodes int, rng *rand.Rand) (float64, float64) {
	e, _ := mk()
	ad := &rl.PolicyAdapter{P: a, Deterministic: true}
	var s, s2 float64
	for range episodes {
		obs, ret := e.Reset(rng), 0.0
		for {
			st := e.Step(ad.Act(obs, rng))
			ret += st.Reward
			if st.Done() {
				break
			}
			obs = st.Obs
		}
		s, s2 = s+ret, s2+ret*ret
	}
	m := s / float64(episodes)
	return m, math.Sqrt(max(0, s2/float64(episodes)-m*m))
}

func trainFake(c fakeConfig, seed uint64, o rl.TrainOptions) (*fakeAgent, error) {
	a := &fakeAgent{W: tensor.New(1, 1)}
	a.W.Data[0] = float32(c.Gain)
	rng := rand.New(rand.NewPCG(seed, 1))
	envs := make([]env.Env, c.NumEnvs)
	for i := range envs {
		e, err := o.MakeEnv()
		if err != nil {
			return nil, err
		}
		envs[i] = e
	}
	v := env.NewVecEnv(envs, env.VecConfig{Workers: 1})
	defer v.Close()
	obs := tensor.FromSlice(c.NumEnvs, v.ObsDim(), v.Reset(rng))
	act := tensor.New(c.NumEnvs, 1)
	evalRng := rand.New(rand.NewPCG(seed, 2))
	nextEval := o.EvalEvery
	for step := c.NumEnvs; step <= c.TotalTimesteps; step += c.NumEnvs {
		a.Act(act, obs, false, rng)
		v.Step(act.Data)
		for i := range c.NumEnvs {
			if v.Terminated[i] || v.Truncated[i] {
				_ = o.Logger.Log(step, rl.Metric{Key: "charts/episodic_return", Value: v.EpisodeReturn[i]},
					rl.Metric{Key: "charts/episodic_length", Value: float64(v.EpisodeLength[i])})
			}
		}
		if step >= nextEval || step+c.NumEnvs > c.TotalTimesteps {
			m, s := evalFake(a, o.MakeEnv, o.EvalEpisodes, evalRng)
			_ = o.Logger.Log(step, rl.Metric{Key: "eval/mean_return", Value: m}, rl.Metric{Key: "eval/std_return", Value: s})
			if o.OnEval != nil {
				if err := o.OnEval(step, m, a); err != nil {
					return nil, err
				}
			}
			if c.Flip {
				a.W.Data[0] = -float32(math.Abs(c.Gain))
			}
			nextEval += o.EvalEvery
		}
		o.Progress(step, math.NaN())
	}
	return a, nil
}

func fakeLookup(name string) (Algorithm, error) {
	if name == "fake" {
		return Make("fake", defaultFake, nil, trainFake, newFake), nil
	}
	return Lookup(name)
}

func TestApplySets(t *testing.T) {
	t.Run("types", func(t *testing.T) {
		c := defaultFake()
		err := ApplySets(&c, []string{"gain=2.5", "hidden=32,16", "anneal=true", "name=abc", "init=orthogonal",
			"adam.lr=0.01", "gamma=0.9", "pair=[1,2]", "num_envs=4"})
		if err != nil {
			t.Fatal(err)
		}
		want := fakeConfig{TotalTimesteps: 2000, NumEnvs: 4, Gain: 2.5, Hidden: []int{32, 16}, Anneal: true, Name: "abc",
			Init: nn.InitOrthogonal, Inner: innerCfg{LR: 0.01}, Embedded: Embedded{Gamma: 0.9}, Adv2: [2]float64{1, 2}}
		got, _ := json.Marshal(c)
		exp, _ := json.Marshal(want)
		if !bytes.Equal(got, exp) {
			t.Fatalf("got %s, want %s", got, exp)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct{ set, want string }{
			{"nope=1", "valid keys: adam.lr, anneal, flip, gain, gamma, hidden, init, name, num_envs, pair, total_timesteps"},
			{"gain=abc", "want a value of type number"},
			{"num_envs=1.5", "want a value of type integer"},
			{"anneal=yes", "bool"},
			{"hidden=a,b", "list of integer"},
			{"init=bogus", "bogus"},
			{"gain", "not key=value"},
		} {
			c := defaultFake()
			before, _ := json.Marshal(c)
			err := ApplySets(&c, []string{"gain=7", tc.set})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("--set %s: error %v, want one line containing %q", tc.set, err, tc.want)
			}
			after, _ := json.Marshal(c)
			if !bytes.Equal(before, after) {
				t.Errorf("--set %s: failed call changed the config", tc.set)
			}
		}
	})
}

func TestMetricsSink_Log(t *testing.T) {
	dir := t.TempDir()
	s := newMetricsSink(dir)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Log(10, rl.Metric{Key: "charts/episodic_return", Value: 12}))
	must(s.Log(20, rl.Metric{Key: "charts/episodic_return", Value: 15.5}))
	must(s.Log(20, rl.Metric{Key: "losses/value", Value: math.NaN()}, rl.Metric{Key: "charts/episodic_return", Value: 1}))
	must(s.Log(30, rl.Metric{Key: "losses/value", Value: 0.25}))
	if err := s.Log(30, rl.Metric{Key: "a", Value: 1}, rl.Metric{Key: "a", Value: 2}); err == nil {
		t.Error("repeated key accepted")
	}
	must(s.closeFiles())
	csv, _ := os.ReadFile(filepath.Join(dir, run.MetricsCSV))
	// Rows as logged, under the header widened when losses/value first
	// appeared; the rejected row left no trace.
	wantCSV := "step,charts/episodic_return,losses/value\n10,12,\n20,15.5,\n20,1,NaN\n30,,0.25\n"
	if string(csv) != wantCSV {
		t.Errorf("metrics.csv:\n%s\nwant\n%s", csv, wantCSV)
	}
	rows, keys, err := run.ReadMetrics(filepath.Join(dir, run.MetricsJSONL))
	must(err)
	if len(rows) != 4 || keys[0] != "step" || rows[1]["charts/episodic_return"] != 15.5 || !math.IsNaN(rows[2]["losses/value"]) || rows[3]["losses/value"] != 0.25 {
		t.Errorf("metrics.jsonl read back as %v %v", keys, rows)
	}
}

func TestTrain(t *testing.T) {
	ctx := context.Background()
	spec := TrainSpec{Algo: "fake", EnvID: "CartPole-v1", Steps: 1200, NumEnvs: 3, Seed: 7, Sets: []string{"gain=1"}, EvalEpisodes: 3}
	t.Run("run directory", func(t *testing.T) {
		spec := spec
		spec.Out = filepath.Join(t.TempDir(), "r")
		var bar bytes.Buffer
		sum, err := train(ctx, fakeLookup, spec, &bar)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{run.ConfigFile, run.MetricsCSV, run.MetricsJSONL, run.SummaryFile, ModelFile, CurvesFile} {
			if _, err := os.Stat(filepath.Join(spec.Out, f)); err != nil {
				t.Errorf("missing %s", f)
			}
		}
		// The lean-following controller balances CartPole-v1 for the whole
		// 500-step time limit (Gymnasium's registration), so every
		// deterministic evaluation episode returns exactly 500.
		if sum.EvalMeanReturn != 500 || sum.EvalStdReturn != 0 || sum.Steps != 1200 || sum.Seed != 7 {
			t.Errorf("summary %+v, want eval 500±0 over 1200 steps", sum)
		}
		var m map[string]any
		b, _ := os.ReadFile(filepath.Join(spec.Out, run.SummaryFile))
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"eval_mean_return", "eval_std_return", "wall_s", "steps", "sps", "seed"} {
			if _, ok := m[k]; !ok {
				t.Errorf("summary.json lacks %q", k)
			}
		}
		var rc struct {
			Algo   string
			Env    string
			Steps  int
			Seed   uint64
			Config fakeConfig
		}
		b, _ = os.ReadFile(filepath.Join(spec.Out, run.ConfigFile))
		if err := json.Unmarshal(b, &rc); err != nil {
			t.Fatal(err)
		}
		if rc.Algo != "fake" || rc.Env != "CartPole-v1" || rc.Steps != 1200 || rc.Seed != 7 || rc.Config.NumEnvs != 3 || rc.Config.Inner.LR != 3e-4 {
			t.Errorf("config.json %+v", rc)
		}
		rows, _, err := run.ReadMetrics(spec.Out)
		if err != nil {
			t.Fatal(err)
		}
		evals := 0
		for _, r := range rows {
			if _, ok := r["eval/mean_return"]; ok {
				evals++
			}
		}
		// EvalEvery defaults to a tenth of the run: 10 evaluations.
		if evals != 10 {
			t.Errorf("%d evaluations, want 10", evals)
		}
		r, err := open(fakeLookup, spec.Out, ModelFile)
		if err != nil {
			t.Fatal(err)
		}
		if w := r.Policy.(*fakeAgent).W.Data[0]; w != 1 {
			t.Errorf("loaded weight %v, want 1", w)
		}
		rets, err := r.Evaluate(2, 1, false)
		if err != nil || rets[0] != 500 || rets[1] != 500 {
			t.Errorf("Evaluate = %v, %v; want [500 500]", rets, err)
		}
		if _, err := train(ctx, fakeLookup, spec, nil); err == nil {
			t.Error("training into an existing run succeeded")
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		read := func() []byte {
			t.Helper()
			spec := spec
			spec.Sets = []string{"gain=0"} // a controller that fails fast: many episodes
			spec.Out = filepath.Join(t.TempDir(), "r")
			if _, err := train(ctx, fakeLookup, spec, nil); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(spec.Out, run.MetricsCSV))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if a, b := read(), read(); !bytes.Equal(a, b) {
			t.Error("same seed gave different metrics.csv")
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			mod  func(*TrainSpec)
			want string
		}{
			{func(s *TrainSpec) { s.Algo = "nope" }, "unknown algorithm"},
			{func(s *TrainSpec) { s.EnvID = "Nope-v0" }, "unknown env"},
			{func(s *TrainSpec) { s.Sets = []string{"bogus=1"} }, "unknown --set key"},
			{func(s *TrainSpec) { s.Sets = []string{"gain=-1"} }, "gain must be"},
			{func(s *TrainSpec) { s.Wrappers = []string{"nope"} }, "unknown wrapper"},
		} {
			s := spec
			s.Out = filepath.Join(t.TempDir(), "r")
			tc.mod(&s)
			_, err := train(ctx, fakeLookup, s, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if _, statErr := os.Stat(s.Out); statErr == nil {
				t.Errorf("a failed spec (%s) created the run directory", tc.want)
			}
		}
	})
}

func TestLookup(t *testing.T) {
	for _, name := range Algorithms() {
		a, err := Lookup(name)
		if err != nil || a.Name() != name {
			t.Errorf("Lookup(%q) = %v, %v", name, a, err)
			continue
		}
		cfg := a.DefaultConfig("CartPole-v1")
		if err := a.Validate(cfg); err != nil {
			t.Errorf("%s default config: %v", name, err)
		}
		if ConfigSteps(cfg) < 1 {
			t.Errorf("%s config lacks %s", name, StepsKey)
		}
		if err := ApplySets(cfg, []string{NumEnvsKey + "=1"}); err != nil {
			t.Errorf("%s config lacks %s: %v", name, NumEnvsKey, err)
		}
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), "reinforce") {
		t.Errorf("unknown algorithm: error %v should list the valid names", err)
	}
}

func TestOpen_wrapperStatistics(t *testing.T) {
	spec := TrainSpec{Algo: "fake", EnvID: "CartPole-v1", Steps: 600, NumEnvs: 2, Seed: 1, EvalEpisodes: 1,
		Wrappers: []string{"normobs"}, Out: filepath.Join(t.TempDir(), "r")}
	if _, err := train(context.Background(), fakeLookup, spec, nil); err != nil {
		t.Fatal(err)
	}
	ts, _, err := run.LoadTensors(filepath.Join(spec.Out, ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := run.Find(ts, wrapPrefix+"obs_mean")
	if !ok || len(m.F64) != 4 {
		t.Fatalf("model lacks the 4 observation means of the normobs wrapper: %v", ts)
	}
	r, err := open(fakeLookup, spec.Out, ModelFile)
	if err != nil {
		t.Fatal(err)
	}
	e, err := r.NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	n, ok := e.(*wrap.NormalizeObs)
	if !ok {
		t.Fatalf("env %T is not the normobs wrapper", e)
	}
	if n.Training {
		t.Error("evaluation env still updates its statistics")
	}
	if st := n.State()["obs_mean"]; st[0] != m.F64[0] || st[3] != m.F64[3] {
		t.Errorf("restored means %v, saved %v", st, m.F64)
	}
}

// TestTrain_identicalMetrics trains the real on-policy algorithms twice with
// one seed through the public driver: the metrics files must agree in every
// column but charts/sps (the wall clock).
func TestTrain_identicalMetrics(t *testing.T) {
	for _, algo := range []string{"ppo", "reinforce"} {
		t.Run(algo, func(t *testing.T) {
			read := func() []map[string]float64 {
				t.Helper()
				spec := TrainSpec{Algo: algo, EnvID: "CartPole-v1", Steps: 1024, Seed: 9, EvalEpisodes: 2,
					Out: filepath.Join(t.TempDir(), "r")}
				if algo == "ppo" {
					spec.Sets = []string{"n_epochs=2"}
				} else {
					spec.Sets = []string{"batch_steps=256", "value_iters=2"}
				}
				if _, err := Train(context.Background(), spec, nil); err != nil {
					t.Fatal(err)
				}
				rows, _, err := run.ReadMetrics(spec.Out)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					delete(r, "charts/sps")
				}
				return rows
			}
			a, b := read(), read()
			// fmt prints maps with sorted keys and NaN as NaN.
			if len(a) < 5 || fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("two runs with seed 9 differ (%d and %d rows)", len(a), len(b))
			}
		})
	}
}

// TestTrain_bestCheckpoint trains a policy that turns bad after its first
// evaluation: model_best.safetensors must hold the first policy and
// summary.json its evaluation, while model.safetensors holds the last.
func TestTrain_bestCheckpoint(t *testing.T) {
	spec := TrainSpec{Algo: "fake", EnvID: "CartPole-v1", Steps: 600, NumEnvs: 2, Seed: 3, EvalEpisodes: 2,
		Sets: []string{"flip=true"}, Out: filepath.Join(t.TempDir(), "run")}
	sum, err := train(context.Background(), fakeLookup, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Gain 1 balances the pole for the whole 500-step episode (TestTrain);
	// gain −1 pushes it over within a few dozen steps.
	if sum.BestEvalMeanReturn != 500 || sum.BestEvalStep != 60 {
		t.Errorf("best eval %v at step %d, want 500 at the first evaluation (step 60)", sum.BestEvalMeanReturn, sum.BestEvalStep)
	}
	if !(sum.EvalMeanReturn < 100) {
		t.Errorf("final eval %v, want the flipped policy's short episodes", sum.EvalMeanReturn)
	}
	raw, err := os.ReadFile(filepath.Join(spec.Out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var js map[string]any
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	if js["best_eval_mean_return"] != 500.0 || js["best_eval_step"] != 60.0 {
		t.Errorf("summary.json best fields %v, %v", js["best_eval_mean_return"], js["best_eval_step"])
	}
	for _, c := range []struct {
		file string
		want float32
	}{{ModelFile, -1}, {BestModelFile, 1}} {
		r, err := open(fakeLookup, spec.Out, c.file)
		if err != nil {
			t.Fatal(err)
		}
		if w := r.Policy.(*fakeAgent).W.Data[0]; w != c.want {
			t.Errorf("%s: weight %v, want %v", c.file, w, c.want)
		}
	}
}
