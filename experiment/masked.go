package experiment

import (
	"fmt"

	"github.com/vfe-go/vfe/data"
	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/pc/classify"
	"github.com/vfe-go/vfe/tensor"
)

// masked trains a discriminative classifier with its output restricted to
// a task's classes (the task-incremental per-task head): output units
// outside the task carry no error, so they neither drive inference nor
// receive a learning signal.
//
// The label node s⁰ is a leaf, so leaving a unit of it free is the same as
// setting it to its prediction μ⁰ (its optimum, with zero error) after every
// change of the hidden nodes. masked does exactly that: it clamps the task's
// units to the one-hot target and, for the other units, copies μ⁰ into z⁰
// after initialisation and after every inference step. For backprop this
// makes the squared-error loss a sum over the task's units only; for PC the
// E-step and M-step see only those errors. With every class in the mask it
// reproduces Classifier.TrainBatch exactly.
type masked struct {
	clf    *classify.Classifier
	s      *pc.State
	onehot *tensor.Mat
	keep   []bool // keep[k]: class k is in the current task
	mask   []int  // the classes with keep set, ascending
}

func newMasked(clf *classify.Classifier) *masked {
	if clf.Cfg.Mode != classify.ModeDiscriminative || clf.Cfg.Schedule != classify.ScheduleStandard {
		panic("experiment: masked training needs a discriminative classifier with the standard schedule")
	}
	return &masked{clf: clf, s: clf.Model.NewState(clf.Cfg.Batch), onehot: tensor.New(0, 1)}
}

// setMask makes classes the trained output units. It panics if a class is
// out of range.
func (t *masked) setMask(classes []int, n int) {
	t.keep = make([]bool, n)
	for _, k := range classes {
		if k < 0 || k >= n {
			panic(fmt.Sprintf("experiment: class %d outside [0, %d)", k, n))
		}
		t.keep[k] = true
	}
	t.mask = t.mask[:0]
	for k, keep := range t.keep {
		if keep {
			t.mask = append(t.mask, k)
		}
	}
}

// release sets the label node's units outside the mask to their
// predictions and re-evaluates the errors.
func (t *masked) release() {
	out := t.clf.LabelNode()
	z, mu := t.s.Z[out], t.s.Prediction(out)
	for b := 0; b < z.Rows; b++ {
		for k, keep := range t.keep {
			if !keep {
				z.Data[b*z.Cols+k] = mu.Data[b*mu.Cols+k]
			}
		}
	}
	t.clf.Model.Evaluate(t.s)
}

// step trains on the batch x (B×D) with labels y (each in the mask) and
// returns the number of samples the pre-update feed-forward prediction,
// masked, classified right. It returns a *pc.ErrDiverged when the energy
// becomes non-finite, before the update.
func (t *masked) step(x *tensor.Mat, y []int) (int, error) {
	c, m := t.clf, t.clf.Model
	cfg := c.Cfg
	if t.s.B != x.Rows {
		t.s.Resize(x.Rows)
	}
	classes := len(t.keep)
	t.onehot = data.OneHot(t.onehot, y, classes)
	t.s.Clamp(c.InputNode(), x)
	t.s.Clamp(c.LabelNode(), t.onehot)
	m.Init(t.s, pc.InitForward, cfg.Infer)
	correct := 0
	mu := t.s.Prediction(c.LabelNode())
	for i, v := range y {
		if v < 0 || v >= classes || !t.keep[v] {
			return 0, fmt.Errorf("experiment: label %d outside the task's classes %v", v, t.mask)
		}
		if argmaxMasked(mu.Data[i*mu.Cols:(i+1)*mu.Cols], t.mask) == v {
			correct++
		}
	}
	t.release()
	if err := t.s.Check(); err != nil {
		return correct, err
	}
	if cfg.Method == classify.MethodBP {
		m.Backprop(t.s)
		c.Optimizer().Step()
		return correct, nil
	}
	one := cfg.Infer
	one.T = 1
	for it := 0; it < cfg.Infer.T; it++ {
		if _, err := m.Infer(t.s, one); err != nil {
			return correct, err
		}
		t.release()
	}
	if err := t.s.Check(); err != nil {
		return correct, err
	}
	m.Learn(t.s)
	c.Optimizer().Step()
	return correct, nil
}
