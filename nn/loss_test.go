package nn

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/tensor"
)

// checkLossGrad compares grad with central differences of loss in pred.
func checkLossGrad(t *testing.T, pred *tensor.Mat, loss func(grad *tensor.Mat) float64) {
	t.Helper()
	grad := tensor.New(pred.Rows, pred.Cols)
	loss(grad)
	p0 := gradcheck.F32(pred.Data)
	num := gradcheck.Numeric(func(v []float64) float64 {
		gradcheck.Set32(pred.Data, v)
		return loss(nil)
	}, p0, fdStep)
	gradcheck.Set32(pred.Data, p0)
	if err := gradcheck.Compare(gradcheck.F32(grad.Data), num, 1e-4, 1e-3); err != nil {
		t.Error(err)
	}
}

func TestMSE(t *testing.T) {
	pred := tensor.FromSlice(2, 2, []float32{1, 2, 3, 4})
	target := tensor.FromSlice(2, 2, []float32{0, 0, 1, 1})
	// By hand: errors (1, 2) and (2, 3); ½‖·‖² = 2.5 and 6.5; sum 9, mean 4.5.
	t.Run("values", func(t *testing.T) {
		if got := MSE(nil, pred, target, Sum); got != 9 {
			t.Errorf("sum = %v, want 9", got)
		}
		g := tensor.New(2, 2)
		if got := MSE(g, pred, target, Mean); got != 4.5 {
			t.Errorf("mean = %v, want 4.5", got)
		}
		// ∂L/∂pred = (pred − target)/B.
		want := []float32{0.5, 1, 1, 1.5}
		for i, v := range g.Data {
			if v != want[i] {
				t.Errorf("grad %v, want %v", g.Data, want)
				break
			}
		}
		if got := MSE(nil, pred, pred, Mean); got != 0 {
			t.Errorf("MSE(p, p) = %v, want 0", got)
		}
	})
	for _, r := range []Reduction{Mean, Sum} {
		t.Run("fd "+r.String(), func(t *testing.T) {
			p, y := randMat(1, 4, 3, 1), randMat(2, 4, 3, 1)
			checkLossGrad(t, p, func(g *tensor.Mat) float64 { return MSE(g, p, y, r) })
		})
	}
}

func TestHuber(t *testing.T) {
	t.Run("values", func(t *testing.T) {
		// δ = 1: a = 0.5 → ½·0.25 = 0.125; a = −3 → 1·(3 − 0.5) = 2.5; sum 2.625.
		pred := tensor.FromSlice(2, 1, []float32{0.5, -3})
		target := tensor.New(2, 1)
		g := tensor.New(2, 1)
		if got := Huber(g, pred, target, 1, Sum); got != 2.625 {
			t.Errorf("sum = %v, want 2.625", got)
		}
		if g.Data[0] != 0.5 || g.Data[1] != -1 {
			t.Errorf("grad %v, want [0.5 -1] (clip(a, −δ, δ))", g.Data)
		}
		if got := Huber(nil, pred, target, 1, Mean); got != 2.625/2 {
			t.Errorf("mean = %v, want %v", got, 2.625/2)
		}
	})
	t.Run("large delta is MSE", func(t *testing.T) {
		p, y := randMat(3, 5, 2, 1), randMat(4, 5, 2, 1)
		h, m := Huber(nil, p, y, 1e6, Mean), MSE(nil, p, y, Mean)
		if math.Abs(h-m) > 1e-12 {
			t.Errorf("Huber(δ=1e6) = %v, MSE = %v", h, m)
		}
	})
	t.Run("fd", func(t *testing.T) {
		p, y := randMat(5, 4, 3, 2), randMat(6, 4, 3, 1)
		checkLossGrad(t, p, func(g *tensor.Mat) float64 { return Huber(g, p, y, 0.7, Mean) })
	})
	t.Run("bad delta panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		Huber(nil, tensor.New(1, 1), tensor.New(1, 1), 0, Mean)
	})
}

func TestSoftmaxCrossEntropy(t *testing.T) {
	t.Run("uniform logits give log K", func(t *testing.T) {
		// softmax of equal logits is 1/K, so −log p = log K for any label.
		z := tensor.New(3, 4).Fill(2.5)
		g := tensor.New(3, 4)
		got := SoftmaxCrossEntropy(g, z, []int{0, 3, 1}, Mean)
		if math.Abs(got-math.Log(4)) > 1e-7 {
			t.Errorf("loss %v, want log 4 = %v", got, math.Log(4))
		}
		// (1/B)(1/K − onehot): 0.25/3 off the label, −0.75/3 on it.
		if math.Abs(float64(g.At(0, 0))+0.75/3) > 1e-7 || math.Abs(float64(g.At(0, 1))-0.25/3) > 1e-7 {
			t.Errorf("grad row 0 = %v", g.Row(0))
		}
	})
	t.Run("stable for large logits", func(t *testing.T) {
		// Shift invariance: logits (1000, 1001) give the loss of (0, 1),
		// −log(e⁰/(1+e)) = log(1+e) for label 0.
		z := tensor.FromSlice(1, 2, []float32{1000, 1001})
		got := SoftmaxCrossEntropy(nil, z, []int{0}, Sum)
		want := math.Log(1 + math.E)
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("loss %v, want %v", got, want)
		}
	})
	for _, r := range []Reduction{Mean, Sum} {
		t.Run("fd "+r.String(), func(t *testing.T) {
			z := randMat(7, 5, 4, 2)
			labels := []int{0, 3, 2, 1, 3}
			checkLossGrad(t, z, func(g *tensor.Mat) float64 { return SoftmaxCrossEntropy(g, z, labels, r) })
		})
	}
	t.Run("bad label panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		SoftmaxCrossEntropy(nil, tensor.New(1, 3), []int{3}, Mean)
	})
}

func TestAccuracy(t *testing.T) {
	z := tensor.FromSlice(4, 3, []float32{
		0, 1, 0, // argmax 1
		5, 1, 2, // argmax 0
		1, 1, 0, // tie: first, 0
		0, 0, 9, // argmax 2
	})
	// Labels 1, 2, 0, 2: rows 0, 2 and 3 are right, 3/4.
	if got := Accuracy(z, []int{1, 2, 0, 2}); got != 0.75 {
		t.Errorf("Accuracy = %v, want 0.75", got)
	}
	if got := Accuracy(tensor.New(0, 3), nil); got != 0 {
		t.Errorf("empty Accuracy = %v, want 0", got)
	}
}
