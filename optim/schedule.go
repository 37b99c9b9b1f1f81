package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate for update step (0-based) of total
// updates. Apply it before each Step with opt.SetLR(s.LR(step, total)).
type Schedule interface {
	LR(step, total int) float64
}

// Constant is a fixed learning rate.
type Constant struct {
	Rate float64 // the learning rate
}

// LR returns c.Rate.
func (c Constant) LR(step, total int) float64 { return c.Rate }

// progress returns step/total clamped to [0, 1] (0 when total ≤ 0).
func progress(step, total int) float64 {
	if total <= 0 {
		return 0
	}
	return math.Min(math.Max(float64(step)/float64(total), 0), 1)
}

// Linear anneals linearly from Start at step 0 to End at step total:
//
//	lr = End + (Start − End)·(1 − step/total),
//
// which with End = 0 is PPO's annealing frac = 1 − (update − 1)/num_updates
// for the 1-based update = step + 1 (CleanRL, Stable-Baselines3). Steps past
// total give End; total ≤ 0 gives Start.
type Linear struct {
	Start, End float64
}

// LR returns the annealed rate.
func (l Linear) LR(step, total int) float64 {
	return l.End + (l.Start-l.End)*(1-progress(step, total))
}

// Cosine anneals from Start to End along half a cosine (Loshchilov & Hutter's
// SGDR without restarts, PyTorch's CosineAnnealingLR with T_max = total):
//
//	lr = End + ½(Start − End)(1 + cos(π·step/total)).
//
// Steps past total give End; total ≤ 0 gives Start.
type Cosine struct {
	Start, End float64
}

// LR returns the annealed rate.
func (c Cosine) LR(step, total int) float64 {
	return c.End + 0.5*(c.Start-c.End)*(1+math.Cos(math.Pi*progress(step, total)))
}

// StepDecay multiplies Start by Gamma every Every steps (PyTorch's StepLR):
//
//	lr = Start·Gamma^⌊step/Every⌋.
//
// Every ≤ 0 means no decay.
type StepDecay struct {
	Start float64
	Gamma float64 // the factor per period, usually in (0, 1)
	Every int     // the period in steps
}

// LR returns the decayed rate.
func (s StepDecay) LR(step, total int) float64 {
	if s.Every <= 0 || step < 0 {
		return s.Start
	}
	return s.Start * math.Pow(s.Gamma, float64(step/s.Every))
}

// Warmup ramps linearly over the first Steps steps up to the rate of Then,
// and follows Then afterwards:
//
//	lr = Then.LR(step, total)·(step + 1)/Steps   for step < Steps,
//	lr = Then.LR(step, total)                    otherwise,
//
// so the first update uses 1/Steps of the rate and update Steps − 1 the full
// rate. Steps ≤ 0 means no warm-up. A nil Then is a programmer error.
type Warmup struct {
	Steps int
	Then  Schedule
}

// LR returns the warmed-up rate.
func (w Warmup) LR(step, total int) float64 {
	if w.Then == nil {
		panic("optim: Warmup with nil Then")
	}
	lr := w.Then.LR(step, total)
	if step < w.Steps && step >= 0 {
		lr *= float64(step+1) / float64(w.Steps)
	}
	return lr
}

// String returns "constant(rate)".
func (c Constant) String() string { return fmt.Sprintf("constant(%g)", c.Rate) }

// String returns "linear(start→end)".
func (l Linear) String() string { return fmt.Sprintf("linear(%g→%g)", l.Start, l.End) }

// String returns "cosine(start→end)".
func (c Cosine) String() string { return fmt.Sprintf("cosine(%g→%g)", c.Start, c.End) }

// String returns "step(start×gamma every n)".
func (s StepDecay) String() string {
	return fmt.Sprintf("step(%g×%g every %d)", s.Start, s.Gamma, s.Every)
}

// String returns "warmup(steps, then)".
func (w Warmup) String() string { return fmt.Sprintf("warmup(%d, %v)", w.Steps, w.Then) }
