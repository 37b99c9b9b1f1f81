package dist

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/tensor"
)

// Categorical is a batch of categorical distributions over K classes given by
// unnormalised logits: row i of Logits (B×K) defines
// p_i(k) = exp(z_ik) / Σ_j exp(z_ij). Logits is not copied; the methods read
// it on every call, so the value stays valid when the caller overwrites
// Logits in place (a reused network output). Logits of −Inf mask a class out.
// All reductions run in float64.
//
// The zero Categorical has no logits and must not be used.
type Categorical struct {
	Logits *tensor.Mat // B×K unnormalised log-probabilities
}

// NewCategorical returns the categorical distributions with the given B×K
// logits (not copied). It panics if logits is nil or has no columns.
func NewCategorical(logits *tensor.Mat) Categorical {
	if logits == nil || logits.Cols == 0 {
		panic("dist: NewCategorical: logits must be B×K with K ≥ 1")
	}
	return Categorical{Logits: logits}
}

// Batch returns B, the number of rows.
func (c Categorical) Batch() int { return c.Logits.Rows }

// K returns the number of classes.
func (c Categorical) K() int { return c.Logits.Cols }

func (c Categorical) checkActions(op string, actions []int) {
	if len(actions) != c.Logits.Rows {
		panic(fmt.Sprintf("dist: Categorical.%s: %d actions for %d rows", op, len(actions), c.Logits.Rows))
	}
	for i, a := range actions {
		if a < 0 || a >= c.Logits.Cols {
			panic(fmt.Sprintf("dist: Categorical.%s: action %d at row %d outside [0, %d)", op, a, i, c.Logits.Cols))
		}
	}
}

// LogProb writes log p_i(actions[i]) for every row into dst (length B; nil
// allocates) and returns dst. It panics if len(actions) != B or an action is
// outside [0, K).
func (c Categorical) LogProb(dst []float32, actions []int) []float32 {
	c.checkActions("LogProb", actions)
	dst = vecDst("Categorical.LogProb", dst, c.Logits.Rows)
	for i, a := range actions {
		row := c.Logits.Row(i)
		dst[i] = float32(float64(row[a]) - tensor.LogSumExp(row))
	}
	return dst
}

// Probs writes the class probabilities (softmax of each row) into dst (B×K;
// nil allocates) and returns dst.
func (c Categorical) Probs(dst *tensor.Mat) *tensor.Mat {
	dst = matDst("Categorical.Probs", dst, c.Logits.Rows, c.Logits.Cols)
	return tensor.SoftmaxRows(dst, c.Logits)
}

// rowEntropy returns H = −Σ p log p of one row of logits and its
// log-sum-exp; classes with p = 0 contribute 0.
func rowEntropy(row []float32) (h, lse float64) {
	lse = tensor.LogSumExp(row)
	for _, z := range row {
		lp := float64(z) - lse
		if math.IsInf(lp, -1) {
			continue
		}
		h -= math.Exp(lp) * lp
	}
	return h, lse
}

// Entropy writes H_i = −Σ_k p_i(k) log p_i(k) (nats) for every row into dst
// (length B; nil allocates) and returns dst. The uniform distribution has
// entropy log K.
func (c Categorical) Entropy(dst []float32) []float32 {
	dst = vecDst("Categorical.Entropy", dst, c.Logits.Rows)
	for i := range dst {
		h, _ := rowEntropy(c.Logits.Row(i))
		dst[i] = float32(h)
	}
	return dst
}

// Sample draws one class per row by inverting the cumulative distribution
// with a uniform draw from rng, writes them into dst (length B; nil
// allocates) and returns dst. It panics if rng is nil.
func (c Categorical) Sample(dst []int, rng *rand.Rand) []int {
	if rng == nil {
		panic("dist: Categorical.Sample with nil rng")
	}
	n := c.Logits.Rows
	if dst == nil {
		dst = make([]int, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("dist: Categorical.Sample: dst has length %d, want %d", len(dst), n))
	}
	for i := range dst {
		row := c.Logits.Row(i)
		lse := tensor.LogSumExp(row)
		u := rng.Float64()
		k, last, cum := -1, 0, 0.0
		for j, z := range row {
			p := math.Exp(float64(z) - lse)
			if p > 0 {
				last = j
			}
			cum += p
			if u < cum {
				k = j
				break
			}
		}
		if k < 0 { // rounding left u ≥ Σp: take the last class with p > 0
			k = last
		}
		dst[i] = k
	}
	return dst
}

// Mode writes the most probable class of each row (the first on ties) into
// dst (length B; nil allocates) and returns dst.
func (c Categorical) Mode(dst []int) []int {
	n := c.Logits.Rows
	if dst == nil {
		dst = make([]int, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("dist: Categorical.Mode: dst has length %d, want %d", len(dst), n))
	}
	for i := range dst {
		dst[i] = c.Logits.ArgmaxRow(i)
	}
	return dst
}

// LogProbGrad computes the gradient of Σ_i dy_i·log p_i(actions[i]) with
// respect to the logits, ∂log p_i(a)/∂z_ik = 1[k = a] − p_i(k), as
//
//	dst = beta·dst + dy_i·(onehot(actions[i]) − softmax(z_i))   (row i)
//
// A nil dy means all ones; a nil dst is allocated (beta is then ignored). With
// beta = 0 the old contents of dst are discarded, with beta = 1 the gradient is
// accumulated. It returns dst (B×K). It panics on a shape mismatch.
func (c Categorical) LogProbGrad(dst *tensor.Mat, actions []int, dy []float32, beta float32) *tensor.Mat {
	c.checkActions("LogProbGrad", actions)
	n, k := c.Logits.Rows, c.Logits.Cols
	checkLen("Categorical.LogProbGrad", "dy", dy, n, true)
	dst = gradDst("Categorical.LogProbGrad", dst, n, k, beta)
	for i, a := range actions {
		w := weight(dy, i)
		row, d := c.Logits.Row(i), dst.Row(i)
		lse := tensor.LogSumExp(row)
		for j, z := range row {
			g := -math.Exp(float64(z) - lse)
			if j == a {
				g++
			}
			d[j] += float32(w * g)
		}
	}
	return dst
}

// EntropyGrad computes the gradient of Σ_i dy_i·H_i with respect to the
// logits, ∂H_i/∂z_ik = −p_i(k)·(log p_i(k) + H_i), as
//
//	dst = beta·dst + dy_i·∂H_i/∂z_i   (row i)
//
// with the same dy, dst and beta conventions as LogProbGrad. It returns dst
// (B×K).
func (c Categorical) EntropyGrad(dst *tensor.Mat, dy []float32, beta float32) *tensor.Mat {
	n, k := c.Logits.Rows, c.Logits.Cols
	checkLen("Categorical.EntropyGrad", "dy", dy, n, true)
	dst = gradDst("Categorical.EntropyGrad", dst, n, k, beta)
	for i := 0; i < n; i++ {
		w := weight(dy, i)
		row, d := c.Logits.Row(i), dst.Row(i)
		h, lse := rowEntropy(row)
		for j, z := range row {
			lp := float64(z) - lse
			if math.IsInf(lp, -1) {
				continue
			}
			d[j] += float32(-w * math.Exp(lp) * (lp + h))
		}
	}
	return dst
}

// KLCategorical writes KL(p_i ‖ q_i) = Σ_k p_i(k)·(log p_i(k) − log q_i(k))
// for every row into dst (length B; nil allocates) and returns dst. Classes
// with p = 0 contribute 0; a class with p > 0 and q = 0 gives +Inf. It panics
// unless p and q have the same shape.
func KLCategorical(dst []float32, p, q Categorical) []float32 {
	if !tensor.SameShape(p.Logits, q.Logits) {
		panic(fmt.Sprintf("dist: KLCategorical: p is %d×%d, q is %d×%d", p.Logits.Rows, p.Logits.Cols, q.Logits.Rows, q.Logits.Cols))
	}
	dst = vecDst("KLCategorical", dst, p.Logits.Rows)
	for i := range dst {
		pr, qr := p.Logits.Row(i), q.Logits.Row(i)
		lp0, lq0 := tensor.LogSumExp(pr), tensor.LogSumExp(qr)
		var kl float64
		for j := range pr {
			lp := float64(pr[j]) - lp0
			if math.IsInf(lp, -1) {
				continue
			}
			kl += math.Exp(lp) * (lp - (float64(qr[j]) - lq0))
		}
		dst[i] = float32(kl)
	}
	return dst
}

// ActionIndices converts discrete actions stored as floats (a B×1 Mat, as
// buffers hold them) to class indices for LogProb, rounding to the nearest
// integer, into dst (length B; nil allocates) and returns dst. It panics
// unless a has one column.
func ActionIndices(dst []int, a *tensor.Mat) []int {
	if a.Cols != 1 {
		panic(fmt.Sprintf("dist: ActionIndices: actions are %d×%d, want B×1", a.Rows, a.Cols))
	}
	if dst == nil {
		dst = make([]int, a.Rows)
	}
	if len(dst) != a.Rows {
		panic(fmt.Sprintf("dist: ActionIndices: dst has length %d, want %d", len(dst), a.Rows))
	}
	for i, v := range a.Data {
		dst[i] = int(math.Round(float64(v)))
	}
	return dst
}
