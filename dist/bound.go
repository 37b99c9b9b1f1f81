package dist

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/tensor"
)

// BoundKind selects how LogStdBound maps a raw network output to a bounded
// log-std.
type BoundKind int

const (
	// BoundTanh rescales smoothly: log σ = Min + ½(Max − Min)(tanh(raw) + 1),
	// as CleanRL's SAC does. The gradient never vanishes exactly.
	BoundTanh BoundKind = iota
	// BoundClip clips: log σ = clamp(raw, Min, Max), as Stable-Baselines3's
	// SAC does (with [−20, 2]). The gradient is 0 outside [Min, Max].
	BoundClip
)

// String returns "tanh" or "clip".
func (k BoundKind) String() string {
	switch k {
	case BoundTanh:
		return "tanh"
	case BoundClip:
		return "clip"
	}
	return fmt.Sprintf("BoundKind(%d)", int(k))
}

// LogStdBound keeps a policy's log-std in [Min, Max]. The zero value uses
// BoundTanh with Min = Max = 0, which pins log σ to 0 (σ = 1): start from
// DefaultLogStdBound or SB3LogStdBound instead.
type LogStdBound struct {
	Kind     BoundKind // how raw outputs are bounded; zero means BoundTanh
	Min, Max float32   // bounds on log σ (nats); need Min ≤ Max
}

// DefaultLogStdBound returns CleanRL's SAC bound: BoundTanh into [−5, 2].
func DefaultLogStdBound() LogStdBound { return LogStdBound{Kind: BoundTanh, Min: -5, Max: 2} }

// SB3LogStdBound returns Stable-Baselines3's SAC bound: BoundClip to [−20, 2].
func SB3LogStdBound() LogStdBound { return LogStdBound{Kind: BoundClip, Min: -20, Max: 2} }

// Validate returns an error unless Kind is known and Min ≤ Max are finite.
func (b LogStdBound) Validate() error {
	if b.Kind != BoundTanh && b.Kind != BoundClip {
		return fmt.Errorf("dist: log-std bound kind %d unknown: use BoundTanh or BoundClip", int(b.Kind))
	}
	if math.IsNaN(float64(b.Min)) || math.IsNaN(float64(b.Max)) || math.IsInf(float64(b.Min), 0) ||
		math.IsInf(float64(b.Max), 0) || b.Min > b.Max {
		return fmt.Errorf("dist: log-std bound [%g, %g] invalid: need finite Min ≤ Max", b.Min, b.Max)
	}
	return nil
}

// Apply writes the bounded log-std of raw into dst (raw's shape; nil
// allocates; dst may alias raw) and returns dst.
func (b LogStdBound) Apply(dst, raw *tensor.Mat) *tensor.Mat {
	dst = matDst("LogStdBound.Apply", dst, raw.Rows, raw.Cols)
	lo, hi := float64(b.Min), float64(b.Max)
	for i, r := range raw.Data {
		if b.Kind == BoundClip {
			dst.Data[i] = min(max(r, b.Min), b.Max)
			continue
		}
		dst.Data[i] = float32(lo + 0.5*(hi-lo)*(math.Tanh(float64(r))+1))
	}
	return dst
}

// Grad back-propagates dLogStd = ∂L/∂log σ through Apply:
// dRaw = beta·dRaw + dLogStd ⊙ ∂log σ/∂raw, where the derivative is
// ½(Max − Min)(1 − tanh²(raw)) for BoundTanh and 1[Min ≤ raw ≤ Max] for
// BoundClip. A nil dRaw is allocated. dRaw may alias dLogStd when beta = 0.
// It returns dRaw. It panics on a shape mismatch.
func (b LogStdBound) Grad(dRaw, dLogStd, raw *tensor.Mat, beta float32) *tensor.Mat {
	checkShape("LogStdBound.Grad", "dLogStd", dLogStd, raw.Rows, raw.Cols)
	if dRaw == nil {
		dRaw = tensor.New(raw.Rows, raw.Cols)
		beta = 0
	}
	checkShape("LogStdBound.Grad", "dRaw", dRaw, raw.Rows, raw.Cols)
	half := 0.5 * (float64(b.Max) - float64(b.Min))
	for i, r := range raw.Data {
		var d float64
		if b.Kind == BoundClip {
			if r >= b.Min && r <= b.Max {
				d = 1
			}
		} else {
			t := math.Tanh(float64(r))
			d = half * (1 - t*t)
		}
		g := float32(float64(dLogStd.Data[i]) * d)
		if beta == 0 {
			dRaw.Data[i] = g
		} else {
			dRaw.Data[i] = beta*dRaw.Data[i] + g
		}
	}
	return dRaw
}
