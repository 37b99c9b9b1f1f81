package agent

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/rl"
)

func TestBinaryCrossEntropy_FiniteDifference(t *testing.T) {
	logits := []float32{-3, -0.4, 0, 0.7, 5}
	y := []bool{false, true, true, false, true}
	grad := make([]float32, len(logits))
	got := binaryCrossEntropy(grad, logits, y)
	// Reference from the definition −[y log σ(z) + (1−y) log(1−σ(z))].
	ref := func(z []float32) float64 {
		var l float64
		for b, v := range z {
			p := 1 / (1 + math.Exp(-float64(v)))
			if y[b] {
				l -= math.Log(p)
			} else {
				l -= math.Log(1 - p)
			}
		}
		return l / float64(len(z))
	}
	if want := ref(logits); math.Abs(got-want) > 1e-12 {
		t.Fatalf("loss %v, want %v", got, want)
	}
	const h = 1e-3
	for b := range logits {
		z0 := logits[b]
		logits[b] = z0 + h
		up := ref(logits)
		logits[b] = z0 - h
		down := ref(logits)
		logits[b] = z0
		if fd := (up - down) / (2 * h); math.Abs(float64(grad[b])-fd) > 1e-5 {
			t.Errorf("row %d: gradient %v, finite difference %v", b, grad[b], fd)
		}
	}
}

// TestTrain_ModelBased runs the model-based option on both action types and
// checks that its losses are logged, and that on a batch with constant
// reward 1 and no terminations the heads learn r̂ → 1 and p̂ → 0.
func TestTrain_ModelBased(t *testing.T) {
	for _, id := range []string{"CartPole-v1", "Pendulum-v1"} {
		t.Run(id, func(t *testing.T) {
			cfg := smallConfig()
			cfg.ValueGrad = ValueGradAmortised
			cfg.ImagineHorizon = 2
			log := &sliceLogger{}
			a, err := Train(cfg, 5, rl.TrainOptions{MakeEnv: maker(id), Logger: log, EvalEpisodes: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"losses/critic_imagined", "losses/reward_model", "losses/termination_model"} {
				if v := log.last(k); math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("metric %s = %v", k, v)
				}
			}
			l, err := newLearner(a, testrand.New(8))
			if err != nil {
				t.Fatal(err)
			}
			bt := l.bt
			bt.x.RandN(l.rng, 0.1)
			bt.actEnc.Zero()
			for b := range bt.rew {
				bt.rew[b], bt.term[b] = 1, false
				bt.actEnc.Row(b)[0] = 1
			}
			l.S.RandN(l.rng, 0.1)
			a.policyInput(l.P, bt.x, l.S)
			for range 1500 {
				l.fitHeads()
			}
			d := l.dream
			d.headInput(l.P, bt.actEnc)
			a.RewardNet.Forward(d.out, d.in)
			for b, v := range d.out.Data {
				if math.Abs(float64(v)-1) > 0.05 {
					t.Fatalf("row %d: r̂ = %v after fitting r = 1", b, v)
				}
			}
			a.TermNet.Forward(d.out, d.in)
			for b, v := range d.out.Data {
				if p := 1 / (1 + math.Exp(-float64(v))); p > 0.1 {
					t.Fatalf("row %d: p̂(termination) = %v after fitting no terminations", b, p)
				}
			}
			l.imagine() // runs on the fitted heads without diverging
			if v := l.avg("losses/critic_imagined"); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("imagined critic loss %v", v)
			}
		})
	}
}
