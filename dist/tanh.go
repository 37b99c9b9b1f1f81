package dist

import (
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/tensor"
)

// Log1mTanhSq returns log(1 − tanh²(u)) = log sech²(u) in the exact, stable
// form 2(log 2 − u − softplus(−2u)) (TensorFlow Probability's and CleanRL's
// choice). The naive log(1 − tanh²(u)) loses all precision once tanh(u)
// rounds to ±1 (|u| ≳ 9 in float32, ≳ 19 in float64) and returns −Inf; the
// ε-shifted log(1 − tanh²(u) + 1e−6) that Stable-Baselines3 uses is finite
// but levels off at log 1e−6 ≈ −13.8 for |u| ≳ 7, where the exact value is
// ≈ 2 log 2 − 2|u|. This form is exact for every finite u.
func Log1mTanhSq(u float64) float64 {
	return 2 * (math.Ln2 - u - tensor.SoftplusF64(-2*u))
}

// TanhGaussian is a batch of tanh-squashed diagonal Gaussians, SAC's policy
// distribution: with u ~ N(μ, diag σ²) (pre-squash, row i of Mean and
// LogStd as in DiagGaussian),
//
//	a = tanh(u)·Scale + Bias
//	log π(a) = log N(u; μ, σ) − Σ_d [log|Scale_d| + log(1 − tanh²(u_d))]
//
// by the change of variables a = f(u) with Jacobian diag(Scale·(1 − tanh²u)).
// The log-det term uses Log1mTanhSq (exact and stable). Including log|Scale|
// makes log π the exact density on the action box [Bias − Scale, Bias +
// Scale] (CleanRL includes it; Stable-Baselines3, which rescales actions
// outside the policy, does not); it does not depend on μ or σ.
//
// The pre-squash u is the natural coordinate: inverting a → u with atanh is
// ill-conditioned near the box edges, so Sample and Rsample return u and
// LogProb takes u. The entropy has no closed form; SAC estimates it by
// −log π of a sample. Bound LogStd with a LogStdBound.
//
// Scale and Bias have length D; nil Scale means 1 and nil Bias means 0.
// Mean, LogStd, Scale and Bias are not copied. The zero value must not be
// used.
type TanhGaussian struct {
	Mean   *tensor.Mat // B×D pre-squash means μ
	LogStd *tensor.Mat // B×D or 1×D pre-squash log-stds log σ
	Scale  []float32   // length D half-widths of the action box; nil means 1
	Bias   []float32   // length D centres of the action box; nil means 0
}

// NewTanhGaussian returns the squashed Gaussians with the given pre-squash
// mean (B×D) and log-std (B×D or 1×D) onto the box with half-widths scale and
// centres bias (length D, or nil for 1 and 0). Nothing is copied. It panics on
// a shape mismatch or a zero scale.
func NewTanhGaussian(mean, logStd *tensor.Mat, scale, bias []float32) TanhGaussian {
	t := TanhGaussian{Mean: mean, LogStd: logStd, Scale: scale, Bias: bias}
	t.check("NewTanhGaussian")
	for _, s := range scale {
		if s == 0 {
			panic("dist: NewTanhGaussian: zero scale")
		}
	}
	return t
}

// Base returns the pre-squash Gaussian N(μ, σ²) over u.
func (t TanhGaussian) Base() DiagGaussian { return DiagGaussian{Mean: t.Mean, LogStd: t.LogStd} }

func (t TanhGaussian) check(op string) {
	t.Base().check(op)
	d := t.Mean.Cols
	checkLen(op, "Scale", t.Scale, d, true)
	checkLen(op, "Bias", t.Bias, d, true)
}

func (t TanhGaussian) scale(j int) float64 {
	if t.Scale == nil {
		return 1
	}
	return float64(t.Scale[j])
}

func (t TanhGaussian) bias(j int) float64 {
	if t.Bias == nil {
		return 0
	}
	return float64(t.Bias[j])
}

// Batch returns B.
func (t TanhGaussian) Batch() int { return t.Mean.Rows }

// Dim returns D.
func (t TanhGaussian) Dim() int { return t.Mean.Cols }

// Squash writes a = tanh(u)·Scale + Bias for u (B×D) into dst (B×D; nil
// allocates; dst may alias u) and returns dst.
func (t TanhGaussian) Squash(dst, u *tensor.Mat) *tensor.Mat {
	t.check("TanhGaussian.Squash")
	n, d := t.Mean.Rows, t.Mean.Cols
	checkShape("TanhGaussian.Squash", "u", u, n, d)
	dst = matDst("TanhGaussian.Squash", dst, n, d)
	for i := 0; i < n; i++ {
		ui, a := u.Row(i), dst.Row(i)
		for j := range ui {
			a[j] = float32(math.Tanh(float64(ui[j]))*t.scale(j) + t.bias(j))
		}
	}
	return dst
}

// Sample draws u ~ N(μ, σ²) from rng and a = Squash(u), writing a into dst
// and u into u (both B×D; nil allocates), and returns them. It panics if rng
// is nil.
func (t TanhGaussian) Sample(dst, u *tensor.Mat, rng *rand.Rand) (*tensor.Mat, *tensor.Mat) {
	t.check("TanhGaussian.Sample")
	u = t.Base().Sample(u, rng)
	return t.Squash(dst, u), u
}

// Rsample draws a reparameterised sample: ε ~ N(0, I) from rng,
// u = μ + σ·ε and a = tanh(u)·Scale + Bias, written into dst, u and eps (all
// B×D; nil allocates) and returned. Keep u and eps for LogProb and
// RsampleGrad. It consumes rng exactly as Sample does. It panics if rng is
// nil.
func (t TanhGaussian) Rsample(dst, u, eps *tensor.Mat, rng *rand.Rand) (a, uOut, epsOut *tensor.Mat) {
	t.check("TanhGaussian.Rsample")
	u, eps = t.Base().Rsample(u, eps, rng)
	return t.Squash(dst, u), u, eps
}

// Transform writes u = μ + σ·ε and a = tanh(u)·Scale + Bias for the given
// noise eps (B×D) into dst and u (B×D; nil allocates) and returns (a, u): the
// deterministic half of Rsample.
func (t TanhGaussian) Transform(dst, u, eps *tensor.Mat) (*tensor.Mat, *tensor.Mat) {
	t.check("TanhGaussian.Transform")
	u = t.Base().Transform(u, eps)
	return t.Squash(dst, u), u
}

// Mode writes the squashed mean tanh(μ)·Scale + Bias into dst (B×D; nil
// allocates) and returns dst: SAC's deterministic evaluation action.
func (t TanhGaussian) Mode(dst *tensor.Mat) *tensor.Mat { return t.Squash(dst, t.Mean) }

// LogProb writes log π(a_i) for the actions a_i = Squash(u_i), given the
// pre-squash samples u (B×D), into dst (length B; nil allocates) and returns
// dst. It panics on a shape mismatch.
func (t TanhGaussian) LogProb(dst []float32, u *tensor.Mat) []float32 {
	t.check("TanhGaussian.LogProb")
	n, d := t.Mean.Rows, t.Mean.Cols
	checkShape("TanhGaussian.LogProb", "u", u, n, d)
	dst = t.Base().LogProb(dst, u)
	var logScale float64
	for j := 0; j < d; j++ {
		logScale += math.Log(math.Abs(t.scale(j)))
	}
	for i := range dst {
		s := float64(dst[i]) - logScale
		for _, v := range u.Row(i) {
			s -= Log1mTanhSq(float64(v))
		}
		dst[i] = float32(s)
	}
	return dst
}

// LogProbGrad computes the gradients of Σ_i dy_i·log π(a_i) with respect to
// μ and log σ with the samples u held fixed (the score function; the squash
// correction does not depend on μ or σ then, so this equals the pre-squash
// Gaussian's LogProbGrad). Conventions as DiagGaussian.LogProbGrad.
func (t TanhGaussian) LogProbGrad(dMean, dLogStd, u *tensor.Mat, dy []float32, beta float32) (*tensor.Mat, *tensor.Mat) {
	t.check("TanhGaussian.LogProbGrad")
	return t.Base().LogProbGrad(dMean, dLogStd, u, dy, beta)
}

// RsampleGrad returns the gradients, with respect to μ and log σ, of a loss
//
//	L = Σ_i dLogProb_i·log π(a_i) + (terms whose gradient with respect to a is dA)
//
// along the reparameterised path u = μ + σ·ε, a = tanh(u)·Scale + Bias, with
// ε fixed. For SAC's actor loss (1/B)Σ_i [α·log π(a_i) − Q(s_i, a_i)] pass
// dA = −(1/B)·∂Q/∂a (from the critic's input gradient) and dLogProb_i = α/B.
// The log-prob depends on (μ, σ) both directly and through a:
//
//	log π = Σ_d [−½ε_d² − log σ_d − ½ log 2π − log|Scale_d| − log(1 − tanh²u_d)]
//	∂L/∂u_d = dA_d·Scale_d·(1 − tanh²u_d) + dLogProb·2·tanh(u_d)
//	∂L/∂μ_d = ∂L/∂u_d
//	∂L/∂log σ_d = ∂L/∂u_d·σ_d·ε_d − dLogProb
//
// u and eps are Rsample's outputs (B×D). dA (B×D) may be nil (no critic
// term) and dLogProb (length B) may be nil (no log-prob term). Destinations
// follow dst = beta·dst + gradient; nil ones are allocated; dLogStd has
// LogStd's shape (1×D sums over rows). It returns (dMean, dLogStd). It panics
// on a shape mismatch.
func (t TanhGaussian) RsampleGrad(dMean, dLogStd, u, eps, dA *tensor.Mat, dLogProb []float32, beta float32) (*tensor.Mat, *tensor.Mat) {
	const op = "TanhGaussian.RsampleGrad"
	t.check(op)
	g := t.Base()
	n, d := t.Mean.Rows, t.Mean.Cols
	checkShape(op, "u", u, n, d)
	checkShape(op, "eps", eps, n, d)
	if dA != nil {
		checkShape(op, "dA", dA, n, d)
	}
	checkLen(op, "dLogProb", dLogProb, n, true)
	dMean = gradDst(op, dMean, n, d, beta)
	dLogStd = g.logStdGradDst(op, dLogStd, beta)
	for i := 0; i < n; i++ {
		var c float64
		if dLogProb != nil {
			c = float64(dLogProb[i])
		}
		ls, ui, e := g.logStdRow(i), u.Row(i), eps.Row(i)
		dm, dl := dMean.Row(i), g.logStdGradRow(dLogStd, i)
		for j := 0; j < d; j++ {
			uj := float64(ui[j])
			du := 2 * c * math.Tanh(uj)
			if dA != nil {
				du += float64(dA.Data[i*d+j]) * t.scale(j) * math.Exp(Log1mTanhSq(uj))
			}
			dm[j] += float32(du)
			dl[j] += float32(du*math.Exp(float64(ls[j]))*float64(e[j]) - c)
		}
	}
	return dMean, dLogStd
}
