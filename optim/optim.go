package optim

import (
	"fmt"
	"math"
	"strconv"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// Optimizer updates a fixed set of parameters from their gradients.
//
// Step applies one update to the parameters the optimiser was built with,
// reading their Grad (it does not zero them); ZeroGrad zeroes those
// gradients. LR and SetLR read and set the step size used by the next Step
// (schedules call SetLR). State returns the optimiser's internal state as
// named tensors for a checkpoint, and LoadState restores it exactly, so a
// resumed run continues bit for bit.
type Optimizer interface {
	Step()
	ZeroGrad()
	LR() float64
	SetLR(lr float64)
	State() []nn.NamedTensor
	LoadState(state []nn.NamedTensor) error
}

// stepKey is the state key of the update counter.
const stepKey = "step"

// stepTensor encodes a step count exactly in two float32 values: a 1×2
// tensor [⌊n/2²⁴⌋, n mod 2²⁴] (float32 holds integers below 2²⁴ exactly, so
// counts up to 2⁴⁸ round-trip).
func stepTensor(dst *tensor.Mat, n int) *tensor.Mat {
	if dst == nil {
		dst = tensor.New(1, 2)
	}
	dst.Data[0] = float32(n >> 24)
	dst.Data[1] = float32(n & (1<<24 - 1))
	return dst
}

// decodeStep is the inverse of stepTensor.
func decodeStep(m *tensor.Mat) (int, error) {
	if m.Rows != 1 || m.Cols != 2 {
		return 0, fmt.Errorf("optim: state %q is %d×%d, want 1×2", stepKey, m.Rows, m.Cols)
	}
	hi, lo := float64(m.Data[0]), float64(m.Data[1])
	if hi < 0 || lo < 0 || lo >= 1<<24 || hi != math.Trunc(hi) || lo != math.Trunc(lo) {
		return 0, fmt.Errorf("optim: state %q holds %v, not a step count; the checkpoint is corrupt", stepKey, m.Data)
	}
	return int(hi)<<24 | int(lo), nil
}

// bufKey names the i-th parameter's buffer of the given kind, for example
// "exp_avg.0" (PyTorch's optimizer state_dict is also keyed by parameter
// index).
func bufKey(kind string, i int) string { return kind + "." + strconv.Itoa(i) }

// loadState copies the named tensors of state into want (keys → live
// buffers). Every key of want must be present with the same shape, and
// state must hold no other key.
func loadState(state []nn.NamedTensor, want map[string]*tensor.Mat) error {
	seen := make(map[string]bool, len(state))
	for _, nt := range state {
		dst, ok := want[nt.Name]
		if !ok {
			return fmt.Errorf("optim: unexpected state %q; the checkpoint is for a different optimiser or model", nt.Name)
		}
		if seen[nt.Name] {
			return fmt.Errorf("optim: state %q appears twice; the checkpoint is corrupt", nt.Name)
		}
		seen[nt.Name] = true
		if nt.Val == nil || !tensor.SameShape(dst, nt.Val) {
			r, c := 0, 0
			if nt.Val != nil {
				r, c = nt.Val.Rows, nt.Val.Cols
			}
			return fmt.Errorf("optim: state %q is %d×%d, want %d×%d; the checkpoint is for a different model", nt.Name, r, c, dst.Rows, dst.Cols)
		}
	}
	for k := range want {
		if !seen[k] {
			return fmt.Errorf("optim: state %q missing from the checkpoint", k)
		}
	}
	for _, nt := range state {
		want[nt.Name].CopyFrom(nt.Val)
	}
	return nil
}

// zeroLike returns a zeroed matrix per parameter, shaped like its value.
func zeroLike(ps []*nn.Param) []*tensor.Mat {
	out := make([]*tensor.Mat, len(ps))
	for i, p := range ps {
		out[i] = tensor.New(p.Val.Rows, p.Val.Cols)
	}
	return out
}

func checkParams(op string, ps []*nn.Param) {
	for i, p := range ps {
		if p == nil || p.Val == nil || p.Grad == nil || !tensor.SameShape(p.Val, p.Grad) {
			panic(fmt.Sprintf("optim: %s: parameter %d is nil or its Grad does not match Val", op, i))
		}
	}
}
