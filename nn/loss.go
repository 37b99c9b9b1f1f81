package nn

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/tensor"
)

// Reduction says how per-sample losses combine over a batch of B rows. The
// zero value is Mean.
type Reduction int

// The reductions.
const (
	// Mean divides the summed loss (and its gradient) by the batch size B.
	Mean Reduction = iota
	// Sum adds the per-sample losses.
	Sum
)

// String returns "mean" or "sum".
func (r Reduction) String() string {
	switch r {
	case Mean:
		return "mean"
	case Sum:
		return "sum"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// scale returns the factor applied to summed losses for a batch of n rows.
func (r Reduction) scale(n int) float64 {
	switch r {
	case Mean:
		if n == 0 {
			return 0
		}
		return 1 / float64(n)
	case Sum:
		return 1
	}
	panic(fmt.Sprintf("nn: unknown reduction %d", int(r)))
}

// gradDst checks that grad (when non-nil) has pred's shape.
func gradDst(op string, grad, pred *tensor.Mat) {
	if grad != nil && !tensor.SameShape(grad, pred) {
		panic(fmt.Sprintf("nn: %s: grad is %d×%d, want %d×%d", op, grad.Rows, grad.Cols, pred.Rows, pred.Cols))
	}
}

// MSE returns the squared-error loss of pred against target (both B×D):
//
//	L = c · Σ_b ½‖pred_b − target_b‖²,   c = 1/B (Mean) or 1 (Sum),
//
// that is, half the squared norm summed over features and averaged over the
// batch. This is the Gaussian negative log-likelihood with unit variance up
// to a constant, the form of the seed's energy terms; PyTorch's MSELoss
// instead averages over all B·D elements and has no ½. When grad is
// non-nil it receives ∂L/∂pred = c·(pred − target); a nil grad skips the
// gradient. The sum is accumulated in float64. It panics on a shape
// mismatch.
func MSE(grad, pred, target *tensor.Mat, r Reduction) float64 {
	if !tensor.SameShape(pred, target) {
		panic(fmt.Sprintf("nn: MSE: pred is %d×%d, target is %d×%d", pred.Rows, pred.Cols, target.Rows, target.Cols))
	}
	gradDst("MSE", grad, pred)
	c := r.scale(pred.Rows)
	var s float64
	p, y := pred.Data, target.Data[:len(pred.Data)]
	if grad == nil {
		for i, v := range p {
			d := float64(v - y[i])
			s += d * d
		}
		return 0.5 * c * s
	}
	g, cf := grad.Data[:len(p)], float32(c)
	for i, v := range p {
		d := v - y[i]
		s += float64(d) * float64(d)
		g[i] = cf * d
	}
	return 0.5 * c * s
}

// Huber returns the Huber loss with threshold δ > 0 of pred against target
// (both B×D), summed over features and reduced over the batch like MSE:
//
//	h(a) = ½a²           if |a| ≤ δ
//	       δ(|a| − ½δ)   otherwise,          a = pred − target,
//	L = c · Σ_b Σ_j h(a_bj),   c = 1/B (Mean) or 1 (Sum).
//
// For one output column this equals PyTorch's HuberLoss(delta=δ) (and
// SmoothL1Loss for δ = 1, the DQN loss); with several columns PyTorch
// averages over all B·D elements instead. When grad is non-nil it receives
// ∂L/∂pred = c·clip(a, −δ, δ). It panics on a shape mismatch or δ ≤ 0.
func Huber(grad, pred, target *tensor.Mat, delta float64, r Reduction) float64 {
	if !tensor.SameShape(pred, target) {
		panic(fmt.Sprintf("nn: Huber: pred is %d×%d, target is %d×%d", pred.Rows, pred.Cols, target.Rows, target.Cols))
	}
	if !(delta > 0) {
		panic(fmt.Sprintf("nn: Huber: delta %v must be > 0", delta))
	}
	gradDst("Huber", grad, pred)
	c := r.scale(pred.Rows)
	var s float64
	p, y := pred.Data, target.Data[:len(pred.Data)]
	cf, d32 := float32(c), float32(delta)
	for i, v := range p {
		a := float64(v - y[i])
		var ga float32
		if math.Abs(a) <= delta {
			s += 0.5 * a * a
			ga = float32(a)
		} else {
			s += delta * (math.Abs(a) - 0.5*delta)
			ga = d32
			if a < 0 {
				ga = -d32
			}
		}
		if grad != nil {
			grad.Data[i] = cf * ga
		}
	}
	return c * s
}

// SoftmaxCrossEntropy returns the cross-entropy of integer labels (length
// B, each in [0, K)) under softmax(logits) for logits of shape B×K:
//
//	L = c · Σ_b (logsumexp(z_b) − z_b[y_b]),   c = 1/B (Mean) or 1 (Sum),
//
// computed stably in float64 (the row maximum is subtracted inside the
// log-sum-exp), matching PyTorch's CrossEntropyLoss. When grad is non-nil it
// receives ∂L/∂z = c·(softmax(z) − onehot(y)). It panics if len(labels) ≠ B
// or a label is out of range.
func SoftmaxCrossEntropy(grad, logits *tensor.Mat, labels []int, r Reduction) float64 {
	if len(labels) != logits.Rows {
		panic(fmt.Sprintf("nn: SoftmaxCrossEntropy: %d labels for %d rows", len(labels), logits.Rows))
	}
	gradDst("SoftmaxCrossEntropy", grad, logits)
	c := r.scale(logits.Rows)
	var s float64
	for b, y := range labels {
		if y < 0 || y >= logits.Cols {
			panic(fmt.Sprintf("nn: SoftmaxCrossEntropy: label %d of row %d is outside [0, %d)", y, b, logits.Cols))
		}
		z := logits.Row(b)
		lse := tensor.LogSumExp(z)
		s += lse - float64(z[y])
		if grad != nil {
			g := grad.Row(b)
			for j, v := range z {
				g[j] = float32(c * math.Exp(float64(v)-lse))
			}
			g[y] -= float32(c)
		}
	}
	return c * s
}

// Accuracy returns the fraction of rows of logits (B×K) whose largest entry
// (the first on ties) is at the label's index; 0 for an empty batch. It
// panics if len(labels) ≠ B.
func Accuracy(logits *tensor.Mat, labels []int) float64 {
	if len(labels) != logits.Rows {
		panic(fmt.Sprintf("nn: Accuracy: %d labels for %d rows", len(labels), logits.Rows))
	}
	if len(labels) == 0 {
		return 0
	}
	n := 0
	for b, y := range labels {
		if logits.ArgmaxRow(b) == y {
			n++
		}
	}
	return float64(n) / float64(len(labels))
}
