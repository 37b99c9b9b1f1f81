package optim

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// scalar returns a 1×1 parameter holding v.
func scalar(v float32) *nn.Param {
	p := nn.NewParam("w", 1, 1)
	p.Val.Data[0] = v
	return p
}

// run applies Step with the scripted gradients grads[t] (gradients that do
// not depend on θ) and returns θ after each step.
func run(opt Optimizer, p *nn.Param, grads []float32) []float64 {
	out := make([]float64, len(grads))
	for t, g := range grads {
		opt.ZeroGrad()
		p.Grad.Data[0] += g
		opt.Step()
		out[t] = float64(p.Val.Data[0])
	}
	return out
}

func checkTrajectory(t *testing.T, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("θ after step %d = %.9g, want %.9g", i+1, got[i], want[i])
		}
	}
}

func TestSGD_Step(t *testing.T) {
	ones := []float32{1, 1, 1}
	for _, tc := range []struct {
		name  string
		cfg   SGDConfig
		grads []float32
		want  []float64
	}{
		// η = 0.1, g = 0.5: θ = 1 − 0.05t → 0.95, 0.90, 0.85.
		{"plain", SGDConfig{LR: 0.1}, []float32{0.5, 0.5, 0.5}, []float64{0.95, 0.90, 0.85}},
		// μ = 0.9, g = 1: b = 1, 1.9, 2.71; θ = 1 − 0.1·1 = 0.9, 0.9 − 0.19 = 0.71, 0.71 − 0.271 = 0.439.
		{"momentum", SGDConfig{LR: 0.1, Momentum: 0.9}, ones, []float64{0.9, 0.71, 0.439}},
		// Nesterov: b as above, step g + μb = 1.9, 2.71, 3.439;
		// θ = 1 − 0.19 = 0.81, 0.81 − 0.271 = 0.539, 0.539 − 0.3439 = 0.1951.
		{"nesterov", SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true}, ones, []float64{0.81, 0.539, 0.1951}},
		// τ = 0.5: b = 1 (no dampening at t = 1), 0.9 + 0.5 = 1.4, 1.26 + 0.5 = 1.76;
		// θ = 0.9, 0.9 − 0.14 = 0.76, 0.76 − 0.176 = 0.584.
		{"dampening", SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.5}, ones, []float64{0.9, 0.76, 0.584}},
		// λ = 0.1, g = 1: step 1 + 0.1θ; θ = 1 − 0.11 = 0.89, 0.89 − 0.1089 = 0.7811,
		// 0.7811 − 0.107811 = 0.673289.
		{"weight decay", SGDConfig{LR: 0.1, WeightDecay: 0.1}, ones, []float64{0.89, 0.7811, 0.673289}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := scalar(1)
			opt, err := NewSGD([]*nn.Param{p}, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkTrajectory(t, run(opt, p, tc.grads), tc.want, 1e-6)
			if opt.Steps() != len(tc.grads) {
				t.Errorf("Steps() = %d, want %d", opt.Steps(), len(tc.grads))
			}
		})
	}
}

func TestAdam_Step(t *testing.T) {
	cfg := DefaultAdamConfig()
	cfg.LR = 0.1
	t.Run("adam", func(t *testing.T) {
		// β = (0.9, 0.999), ε = 1e-8, θ₀ = 1, g = 2, −1, 0.5.
		// t=1: m = 0.2, v = 0.004; m̂ = 2, √v̂ = 2; θ = 1 − 0.1·2/2 = 0.9.
		// t=2: m = 0.18 − 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996;
		//      m̂ = 0.08/0.19 = 0.4210526, √v̂ = √(0.004996/0.001999) = 1.5809015;
		//      θ = 0.9 − 0.1·0.4210526/1.5809015 = 0.8733663.
		// t=3: m = 0.072 + 0.05 = 0.122, v = 0.004991004 + 0.00025 = 0.005241004;
		//      m̂ = 0.122/0.271 = 0.4501845, √v̂ = √(0.005241004/0.002997001) = 1.3224032;
		//      θ = 0.8733663 − 0.1·0.4501845/1.3224032 = 0.8393234.
		p := scalar(1)
		opt, err := NewAdam([]*nn.Param{p}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		checkTrajectory(t, run(opt, p, []float32{2, -1, 0.5}), []float64{0.9, 0.8733663, 0.8393234}, 1e-6)
	})
	t.Run("adam L2", func(t *testing.T) {
		// λ = 0.1 adds 0.1θ to g: g₁ = 2.1 → θ = 0.9 (first step is ±α);
		// g₂ = −1 + 0.09 = −0.91: m = 0.189 − 0.091 = 0.098, v = 0.00440559 + 0.0008281 = 0.00523369;
		// m̂ = 0.5157895, √v̂ = √(0.00523369/0.001999) = 1.6180654; θ = 0.9 − 0.0318768 = 0.8681232.
		c := cfg
		c.WeightDecay = 0.1
		p := scalar(1)
		opt, _ := NewAdam([]*nn.Param{p}, c)
		checkTrajectory(t, run(opt, p, []float32{2, -1}), []float64{0.9, 0.8681232}, 1e-6)
	})
	t.Run("adamw", func(t *testing.T) {
		// λ = 0.1 decays θ by (1 − αλ) = 0.99 first: θ = 0.99 − 0.1 = 0.89;
		// then 0.89·0.99 = 0.8811, minus the same Adam step as above (0.0266337): 0.8544663.
		c := cfg
		c.WeightDecay = 0.1
		p := scalar(1)
		opt, _ := NewAdamW([]*nn.Param{p}, c)
		checkTrajectory(t, run(opt, p, []float32{2, -1}), []float64{0.89, 0.8544663}, 1e-6)
		if !opt.Decoupled() {
			t.Error("NewAdamW is not decoupled")
		}
	})
	t.Run("first step is lr·sign(g)", func(t *testing.T) {
		// At t = 1, m̂ = g and √v̂ = |g|, so Δ = −α·g/(|g| + ε) → −α·sign(g) as ε → 0.
		p := nn.NewParam("w", 8, 16)
		p.Val.RandN(testrand.New(1), 1)
		p.Grad.RandN(testrand.New(2), 3)
		before := p.Val.Clone()
		c := cfg
		c.Eps = 0
		opt, _ := NewAdam([]*nn.Param{p}, c)
		opt.Step()
		for i, v := range p.Val.Data {
			want := float64(before.Data[i]) - 0.1*math.Copysign(1, float64(p.Grad.Data[i]))
			if math.Abs(float64(v)-want) > 1e-6 {
				t.Fatalf("θ[%d] = %v, want %v", i, v, want)
			}
		}
	})
}

func TestConfig_Validate(t *testing.T) {
	bad := []AdamConfig{
		{LR: -1, Beta1: 0.9, Beta2: 0.999},
		{LR: 1, Beta1: 1, Beta2: 0.999},
		{LR: 1, Beta1: 0.9, Beta2: -0.1},
		{LR: 1, Beta1: 0.9, Beta2: 0.999, Eps: math.NaN()},
		{LR: math.Inf(1), Beta1: 0.9, Beta2: 0.999},
	}
	for _, c := range bad {
		if _, err := NewAdam(nil, c); err == nil {
			t.Errorf("NewAdam accepted %+v", c)
		}
	}
	if err := DefaultAdamWConfig().Validate(); err != nil {
		t.Errorf("default AdamW config invalid: %v", err)
	}
	for _, c := range []SGDConfig{
		{LR: -0.1},
		{LR: 0.1, Momentum: 1},
		{LR: 0.1, Nesterov: true},
		{LR: 0.1, Momentum: 0.9, Dampening: 0.1, Nesterov: true},
		{LR: 0.1, WeightDecay: -1},
	} {
		if _, err := NewSGD(nil, c); err == nil {
			t.Errorf("NewSGD accepted %+v", c)
		}
	}
}

// model returns parameters shaped like a small MLP's, filled from seed.
func model(seed uint64) []*nn.Param {
	rng := testrand.New(seed)
	ps := []*nn.Param{nn.NewParam("weight", 3, 4), nn.NewParam("bias", 1, 3)}
	for _, p := range ps {
		p.Val.RandN(rng, 1)
	}
	return ps
}

// setGrads fills the gradients from step t deterministically.
func setGrads(ps []*nn.Param, t int) {
	rng := testrand.New(uint64(100 + t))
	for _, p := range ps {
		p.Grad.RandN(rng, 1)
	}
}

func TestOptimizer_LoadState(t *testing.T) {
	makers := map[string]func([]*nn.Param) Optimizer{
		"sgd": func(ps []*nn.Param) Optimizer {
			o, _ := NewSGD(ps, SGDConfig{LR: 0.05, Momentum: 0.9, Nesterov: true})
			return o
		},
		"adam": func(ps []*nn.Param) Optimizer {
			o, _ := NewAdam(ps, DefaultAdamConfig())
			return o
		},
		"adamw": func(ps []*nn.Param) Optimizer {
			o, _ := NewAdamW(ps, DefaultAdamWConfig())
			return o
		},
	}
	for name, mk := range makers {
		t.Run(name+" resume is exact", func(t *testing.T) {
			a := model(1)
			oa := mk(a)
			for s := 0; s < 3; s++ {
				setGrads(a, s)
				oa.Step()
			}
			// Checkpoint: deep copies of the state and the weights.
			var saved []nn.NamedTensor
			for _, nt := range oa.State() {
				saved = append(saved, nn.NamedTensor{Name: nt.Name, Val: nt.Val.Clone()})
			}
			b := model(2)
			nn.CopyParams(b, a)
			ob := mk(b)
			if err := ob.LoadState(saved); err != nil {
				t.Fatal(err)
			}
			for s := 3; s < 6; s++ {
				setGrads(a, s)
				setGrads(b, s)
				oa.Step()
				ob.Step()
			}
			for i := range a {
				for j, v := range a[i].Val.Data {
					if math.Float32bits(v) != math.Float32bits(b[i].Val.Data[j]) {
						t.Fatalf("parameter %d[%d]: %v after resume, %v without", i, j, b[i].Val.Data[j], v)
					}
				}
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		a := model(1)
		o, _ := NewAdam(a, DefaultAdamConfig())
		setGrads(a, 0)
		o.Step()
		o.Step()
		m0 := o.State()[1].Val.Clone()
		good := o.State()
		cases := map[string][]nn.NamedTensor{
			"missing":    good[1:],
			"unexpected": append(append([]nn.NamedTensor{}, good...), nn.NamedTensor{Name: "foo", Val: tensor.New(1, 1)}),
			"shape":      append([]nn.NamedTensor{{Name: "step", Val: tensor.New(1, 3)}}, good[1:]...),
			"corrupt":    append([]nn.NamedTensor{{Name: "step", Val: tensor.FromSlice(1, 2, []float32{0, -1})}}, good[1:]...),
		}
		for name, st := range cases {
			if err := o.LoadState(st); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		// A failed load leaves the optimiser as it was.
		if o.Steps() != 2 {
			t.Errorf("Steps() = %d after failed loads, want 2", o.Steps())
		}
		for i, v := range o.State()[1].Val.Data {
			if v != m0.Data[i] {
				t.Fatal("a failed load changed the first moment")
			}
		}
	})
	t.Run("large step count", func(t *testing.T) {
		// 2⁴⁰ + 12345 needs both halves of the encoding.
		n := 1<<40 + 12345
		got, err := decodeStep(stepTensor(nil, n))
		if err != nil || got != n {
			t.Errorf("decodeStep(stepTensor(%d)) = %d, %v", n, got, err)
		}
	})
}

func TestOptimizer_NoAlloc(t *testing.T) {
	ps := model(1)
	setGrads(ps, 0)
	sgd, _ := NewSGD(ps, SGDConfig{LR: 0.01, Momentum: 0.9, Nesterov: true})
	adam, _ := NewAdam(ps, DefaultAdamConfig())
	adamw, _ := NewAdamW(ps, DefaultAdamWConfig())
	target := model(2)
	for name, f := range map[string]func(){
		"sgd":          sgd.Step,
		"adam":         adam.Step,
		"adamw":        adamw.Step,
		"zerograd":     adam.ZeroGrad,
		"clipgradnorm": func() { ClipGradNorm(ps, 0.5) },
		"polyak":       func() { Polyak(target, ps, 0.005) },
	} {
		if n := testing.AllocsPerRun(50, f); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", name, n)
		}
	}
}

// BenchmarkAdam_Step measures one Adam update of the 269,322 parameters of
// a 784-256-256-10 MLP.
func BenchmarkAdam_Step(b *testing.B) {
	rng := testrand.New(1)
	var ps []*nn.Param
	for _, sh := range [][2]int{{256, 784}, {1, 256}, {256, 256}, {1, 256}, {10, 256}, {1, 10}} {
		p := nn.NewParam("w", sh[0], sh[1])
		p.Val.RandN(rng, 0.05)
		p.Grad.RandN(rng, 0.01)
		ps = append(ps, p)
	}
	opt, _ := NewAdam(ps, DefaultAdamConfig())
	b.ReportAllocs()
	for b.Loop() {
		opt.Step()
	}
}

// TestAdamWorkers checks that a Step split among two workers gives the
// same bits as one on the calling goroutine, for Adam with L2 decay and
// AdamW, with parameters that span several 4096-value pieces and a short
// one.
func TestAdamWorkers(t *testing.T) {
	w := tensor.NewWorkers(2)
	defer w.Close()
	for _, decoupled := range []bool{false, true} {
		var runs [2][]*nn.Param
		for k := range runs {
			rng := testrand.New(9)
			ps := []*nn.Param{nn.NewParam("a", 100, 101), nn.NewParam("b", 1, 7)}
			for _, p := range ps {
				p.Val.RandN(rng, 1)
			}
			cfg := DefaultAdamConfig()
			cfg.WeightDecay = 0.01
			mk := NewAdam
			if decoupled {
				mk = NewAdamW
			}
			opt, err := mk(ps, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if k == 1 {
				opt.SetWorkers(w)
			}
			for range 5 {
				for _, p := range ps {
					p.Grad.RandN(rng, 1)
				}
				opt.Step()
			}
			runs[k] = ps
		}
		for i, p := range runs[0] {
			for j, v := range p.Val.Data {
				if q := runs[1][i].Val.Data[j]; q != v {
					t.Fatalf("decoupled=%v: param %d value %d: %v with two workers, %v with one", decoupled, i, j, q, v)
				}
			}
		}
	}
}
