package dist

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/tensor"
)

// DiagGaussian is a batch of Gaussians with diagonal covariance: row i of
// Mean (B×D) is μ_i and row i of LogStd is log σ_i. LogStd is either B×D
// (state-dependent) or 1×D (one state-independent log-std shared by every
// row, as PPO for continuous control uses). Log-probabilities and entropies
// sum over the D dimensions:
//
//	log N(x; μ, σ) = Σ_d −½((x_d − μ_d)/σ_d)² − log σ_d − ½ log 2π
//	H = Σ_d log σ_d + ½(1 + log 2π)
//
// Mean and LogStd are not copied. Reductions run in float64. The zero value
// must not be used.
type DiagGaussian struct {
	Mean   *tensor.Mat // B×D means μ
	LogStd *tensor.Mat // B×D or 1×D log standard deviations log σ
}

// NewDiagGaussian returns the Gaussians with the given mean (B×D) and log-std
// (B×D or 1×D), not copied. It panics on any other shape.
func NewDiagGaussian(mean, logStd *tensor.Mat) DiagGaussian {
	g := DiagGaussian{Mean: mean, LogStd: logStd}
	g.check("NewDiagGaussian")
	return g
}

func (g DiagGaussian) check(op string) {
	if g.Mean == nil || g.LogStd == nil {
		panic("dist: " + op + ": nil mean or log-std")
	}
	if g.LogStd.Cols != g.Mean.Cols || (g.LogStd.Rows != 1 && g.LogStd.Rows != g.Mean.Rows) {
		panic(fmt.Sprintf("dist: %s: log-std is %d×%d, want %d×%d or 1×%d",
			op, g.LogStd.Rows, g.LogStd.Cols, g.Mean.Rows, g.Mean.Cols, g.Mean.Cols))
	}
}

// Batch returns B.
func (g DiagGaussian) Batch() int { return g.Mean.Rows }

// Dim returns D.
func (g DiagGaussian) Dim() int { return g.Mean.Cols }

// logStdRow returns the log-std row that applies to row i.
func (g DiagGaussian) logStdRow(i int) []float32 {
	if g.LogStd.Rows == 1 {
		return g.LogStd.Data[:g.LogStd.Cols]
	}
	return g.LogStd.Row(i)
}

// LogProb writes log N(x_i; μ_i, σ_i) for every row of x (B×D) into dst
// (length B; nil allocates) and returns dst. It panics on a shape mismatch.
func (g DiagGaussian) LogProb(dst []float32, x *tensor.Mat) []float32 {
	g.check("DiagGaussian.LogProb")
	n, d := g.Mean.Rows, g.Mean.Cols
	checkShape("DiagGaussian.LogProb", "x", x, n, d)
	dst = vecDst("DiagGaussian.LogProb", dst, n)
	for i := range dst {
		mu, ls, xi := g.Mean.Row(i), g.logStdRow(i), x.Row(i)
		var s float64
		for j := range mu {
			l := float64(ls[j])
			z := (float64(xi[j]) - float64(mu[j])) * math.Exp(-l)
			s += -0.5*z*z - l
		}
		dst[i] = float32(s - 0.5*float64(d)*log2Pi)
	}
	return dst
}

// Entropy writes H_i = Σ_d log σ_id + ½(1 + log 2π) into dst (length B; nil
// allocates) and returns dst.
func (g DiagGaussian) Entropy(dst []float32) []float32 {
	g.check("DiagGaussian.Entropy")
	n, d := g.Mean.Rows, g.Mean.Cols
	dst = vecDst("DiagGaussian.Entropy", dst, n)
	for i := range dst {
		dst[i] = float32(tensor.Sum(g.logStdRow(i)) + 0.5*float64(d)*(1+log2Pi))
	}
	return dst
}

// Sample draws x = μ + σ·ε with ε ~ N(0, I) from rng into dst (B×D; nil
// allocates) and returns dst. It panics if rng is nil.
func (g DiagGaussian) Sample(dst *tensor.Mat, rng *rand.Rand) *tensor.Mat {
	if rng == nil {
		panic("dist: DiagGaussian.Sample with nil rng")
	}
	g.check("DiagGaussian.Sample")
	n, d := g.Mean.Rows, g.Mean.Cols
	dst = matDst("DiagGaussian.Sample", dst, n, d)
	for i := 0; i < n; i++ {
		mu, ls, a := g.Mean.Row(i), g.logStdRow(i), dst.Row(i)
		for j := range mu {
			e := float64(float32(rng.NormFloat64())) // rounded as Rsample stores it
			a[j] = float32(float64(mu[j]) + math.Exp(float64(ls[j]))*e)
		}
	}
	return dst
}

// Rsample draws a reparameterised sample a = μ + σ·ε, ε ~ N(0, I) from rng,
// writing a into dst and ε into eps (both B×D; nil allocates) and returning
// both; keep eps for RsampleGrad. Sample and Rsample consume rng
// identically, so with equal seeds they return the same a. It panics if rng
// is nil.
func (g DiagGaussian) Rsample(dst, eps *tensor.Mat, rng *rand.Rand) (*tensor.Mat, *tensor.Mat) {
	if rng == nil {
		panic("dist: DiagGaussian.Rsample with nil rng")
	}
	g.check("DiagGaussian.Rsample")
	eps = matDst("DiagGaussian.Rsample", eps, g.Mean.Rows, g.Mean.Cols)
	for i := range eps.Data {
		eps.Data[i] = float32(rng.NormFloat64())
	}
	return g.Transform(dst, eps), eps
}

// Transform writes a = μ + σ·ε for the given standard-normal noise eps (B×D)
// into dst (B×D; nil allocates) and returns dst: the deterministic half of
// Rsample, for reusing noise. It panics on a shape mismatch.
func (g DiagGaussian) Transform(dst, eps *tensor.Mat) *tensor.Mat {
	g.check("DiagGaussian.Transform")
	n, d := g.Mean.Rows, g.Mean.Cols
	checkShape("DiagGaussian.Transform", "eps", eps, n, d)
	dst = matDst("DiagGaussian.Transform", dst, n, d)
	for i := 0; i < n; i++ {
		mu, ls, e, a := g.Mean.Row(i), g.logStdRow(i), eps.Row(i), dst.Row(i)
		for j := range mu {
			a[j] = float32(float64(mu[j]) + math.Exp(float64(ls[j]))*float64(e[j]))
		}
	}
	return dst
}

// Mode writes the means into dst (B×D; nil allocates) and returns dst.
func (g DiagGaussian) Mode(dst *tensor.Mat) *tensor.Mat {
	dst = matDst("DiagGaussian.Mode", dst, g.Mean.Rows, g.Mean.Cols)
	copy(dst.Data, g.Mean.Data)
	return dst
}

// logStdGradDst prepares dLogStd, which has LogStd's shape (1×D gradients
// sum over the batch).
func (g DiagGaussian) logStdGradDst(op string, dLogStd *tensor.Mat, beta float32) *tensor.Mat {
	return gradDst(op, dLogStd, g.LogStd.Rows, g.LogStd.Cols, beta)
}

func (g DiagGaussian) logStdGradRow(dLogStd *tensor.Mat, i int) []float32 {
	if dLogStd.Rows == 1 {
		return dLogStd.Data[:dLogStd.Cols]
	}
	return dLogStd.Row(i)
}

// LogProbGrad computes the gradients of Σ_i dy_i·log N(x_i; μ_i, σ_i) with x
// held fixed (the score-function gradient PPO and REINFORCE use):
//
//	∂/∂μ = dy·(x − μ)/σ²        into dMean (B×D)
//	∂/∂log σ = dy·(((x − μ)/σ)² − 1)  into dLogStd (LogStd's shape; a 1×D log-std gets the sum over rows)
//
// Each destination follows dst = beta·dst + gradient; nil destinations are
// allocated (beta is then ignored) and a nil dy means all ones. It returns
// (dMean, dLogStd). It panics on a shape mismatch.
func (g DiagGaussian) LogProbGrad(dMean, dLogStd, x *tensor.Mat, dy []float32, beta float32) (*tensor.Mat, *tensor.Mat) {
	g.check("DiagGaussian.LogProbGrad")
	n, d := g.Mean.Rows, g.Mean.Cols
	checkShape("DiagGaussian.LogProbGrad", "x", x, n, d)
	checkLen("DiagGaussian.LogProbGrad", "dy", dy, n, true)
	dMean = gradDst("DiagGaussian.LogProbGrad", dMean, n, d, beta)
	dLogStd = g.logStdGradDst("DiagGaussian.LogProbGrad", dLogStd, beta)
	for i := 0; i < n; i++ {
		w := weight(dy, i)
		mu, ls, xi := g.Mean.Row(i), g.logStdRow(i), x.Row(i)
		dm, dl := dMean.Row(i), g.logStdGradRow(dLogStd, i)
		for j := range mu {
			inv := math.Exp(-float64(ls[j]))
			z := (float64(xi[j]) - float64(mu[j])) * inv
			dm[j] += float32(w * z * inv)
			dl[j] += float32(w * (z*z - 1))
		}
	}
	return dMean, dLogStd
}

// EntropyGrad computes the gradient of Σ_i dy_i·H_i with respect to log σ
// (∂H/∂log σ_d = 1; the entropy does not depend on μ) as
// dLogStd = beta·dLogStd + gradient (LogStd's shape; nil allocates, nil dy
// means ones) and returns dLogStd.
func (g DiagGaussian) EntropyGrad(dLogStd *tensor.Mat, dy []float32, beta float32) *tensor.Mat {
	g.check("DiagGaussian.EntropyGrad")
	n := g.Mean.Rows
	checkLen("DiagGaussian.EntropyGrad", "dy", dy, n, true)
	dLogStd = g.logStdGradDst("DiagGaussian.EntropyGrad", dLogStd, beta)
	for i := 0; i < n; i++ {
		w := float32(weight(dy, i))
		dl := g.logStdGradRow(dLogStd, i)
		for j := range dl {
			dl[j] += w
		}
	}
	return dLogStd
}

// RsampleGrad back-propagates dA = ∂L/∂a (B×D) through the reparameterised
// sample a = μ + σ·ε drawn by Rsample with noise eps:
//
//	∂L/∂μ = dA        into dMean (B×D)
//	∂L/∂log σ = dA·σ·ε  into dLogStd (LogStd's shape; 1×D sums over rows)
//
// with dst = beta·dst + gradient and nil destinations allocated. It returns
// (dMean, dLogStd). It panics on a shape mismatch.
func (g DiagGaussian) RsampleGrad(dMean, dLogStd, eps, dA *tensor.Mat, beta float32) (*tensor.Mat, *tensor.Mat) {
	g.check("DiagGaussian.RsampleGrad")
	n, d := g.Mean.Rows, g.Mean.Cols
	checkShape("DiagGaussian.RsampleGrad", "eps", eps, n, d)
	checkShape("DiagGaussian.RsampleGrad", "dA", dA, n, d)
	dMean = gradDst("DiagGaussian.RsampleGrad", dMean, n, d, beta)
	dLogStd = g.logStdGradDst("DiagGaussian.RsampleGrad", dLogStd, beta)
	for i := 0; i < n; i++ {
		ls, e, ga := g.logStdRow(i), eps.Row(i), dA.Row(i)
		dm, dl := dMean.Row(i), g.logStdGradRow(dLogStd, i)
		for j := range ga {
			dm[j] += ga[j]
			dl[j] += float32(float64(ga[j]) * math.Exp(float64(ls[j])) * float64(e[j]))
		}
	}
	return dMean, dLogStd
}

// KLDiagGaussian writes KL(p_i ‖ q_i) for every row into dst (length B; nil
// allocates) and returns dst, using the closed form
//
//	KL = Σ_d log(σq/σp) + (σp² + (μp − μq)²)/(2σq²) − ½.
//
// p and q must have the same batch and dimension (either may use a 1×D
// log-std). It panics otherwise.
func KLDiagGaussian(dst []float32, p, q DiagGaussian) []float32 {
	p.check("KLDiagGaussian")
	q.check("KLDiagGaussian")
	if !tensor.SameShape(p.Mean, q.Mean) {
		panic(fmt.Sprintf("dist: KLDiagGaussian: p is %d×%d, q is %d×%d", p.Mean.Rows, p.Mean.Cols, q.Mean.Rows, q.Mean.Cols))
	}
	dst = vecDst("KLDiagGaussian", dst, p.Mean.Rows)
	for i := range dst {
		mp, lp, mq, lq := p.Mean.Row(i), p.logStdRow(i), q.Mean.Row(i), q.logStdRow(i)
		var kl float64
		for j := range mp {
			dm := float64(mp[j]) - float64(mq[j])
			r := math.Exp(2 * (float64(lp[j]) - float64(lq[j]))) // σp²/σq²
			kl += float64(lq[j]) - float64(lp[j]) + 0.5*(r+dm*dm*math.Exp(-2*float64(lq[j]))) - 0.5
		}
		dst[i] = float32(kl)
	}
	return dst
}

// ApproxKL returns the two sample estimates of KL(π_old ‖ π) that PPO logs,
// given log r_i = log π(a_i|s_i) − log π_old(a_i|s_i) for actions drawn from
// π_old: the naive mean of −log r (losses/old_approx_kl) and the unbiased,
// non-negative mean of (r − 1) − log r (losses/approx_kl). Both are 0 for an
// empty slice. Sums run in float64.
func ApproxKL(logRatio []float32) (oldApproxKL, approxKL float64) {
	if len(logRatio) == 0 {
		return 0, 0
	}
	var k1, k3 float64
	for _, v := range logRatio {
		lr := float64(v)
		k1 -= lr
		k3 += math.Expm1(lr) - lr
	}
	n := float64(len(logRatio))
	return k1 / n, k3 / n
}
