package agent

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/tensor"
)

// smoother is fixed-lag smoothing for acting: instead of inferring z_t with
// z_{t−1} held fixed (filtering), it re-infers the last S states together
// with z_t by gradient steps on the window's energy
//
//	Σ_{τ=t−S}^{t} [(a)_τ + (b)_τ],
//
// with the context z_{t−S−1} (the state before the window, or the exact zero
// context at an episode's start) held fixed. A state inside the window feels
// its own terms and the transition terms of its successor, so later
// observations revise earlier states. S = 0 is filtering.
//
// Storage is right-aligned: window position j ∈ [0, S] with S the current
// step; row b's past steps occupy positions S−h_b … S−1.
type smoother struct {
	w    *World
	S, B int
	fs   []*Filter // S+1 filters, one per window position

	hx, ha, hz []*tensor.Mat // S past steps: x_τ, encoded a_τ, z_τ (B rows each)
	ctxS, ctxA *tensor.Mat   // the context before the oldest stored step
	h          []int         // past steps stored per row

	tmp     *tensor.Mat     // B×StateDim scratch
	pg      [][]*tensor.Mat // pg[j][n]: ∂F_j/∂z^n_{j−1} through filter j's Prev
	saved   [][]*tensor.Mat // saved[j][n]: z before a step (backtracking)
	eta     []float32
	e, prev []float64
	lastF   float64
}

func newSmoother(w *World, S, B int) *smoother {
	m := &smoother{w: w, S: S, B: B, h: make([]int, B), eta: make([]float32, B), e: make([]float64, B), prev: make([]float64, B)}
	sd, N := w.StateDim(), w.N()
	for j := 0; j <= S; j++ {
		m.fs = append(m.fs, w.NewFilter(B))
		pg, sv := make([]*tensor.Mat, N+1), make([]*tensor.Mat, N+1)
		for n := 1; n <= N; n++ {
			pg[n], sv[n] = tensor.New(B, w.dims[n]), tensor.New(B, w.dims[n])
		}
		m.pg, m.saved = append(m.pg, pg), append(m.saved, sv)
	}
	for range S {
		m.hx = append(m.hx, tensor.New(B, w.ObsDim))
		m.ha = append(m.ha, tensor.New(B, w.ActDim))
		m.hz = append(m.hz, tensor.New(B, sd))
	}
	m.ctxS, m.ctxA, m.tmp = tensor.New(B, sd), tensor.New(B, w.ActDim), tensor.New(B, sd)
	return m
}

// reset starts a new episode in row b: no history, zero context.
func (m *smoother) reset(b int) {
	m.h[b] = 0
	clear(m.ctxS.Row(b))
	clear(m.ctxA.Row(b))
}

// first is the first active window position of row b.
func (m *smoother) first(b int) int { return m.S - m.h[b] }

// setContexts writes every filter's clamped inputs that do not change
// during inference (x, a_{τ−1}) and, with dynamic, the previous states
// (the fixed context at a row's first position, the current estimate of
// the preceding position after it).
func (m *smoother) setContexts(obs *tensor.Mat) {
	S := m.S
	for j, f := range m.fs {
		for b := 0; b < m.B; b++ {
			fb := m.first(b)
			x, a := f.X.Row(b), f.A.Row(b)
			switch {
			case j < fb: // inactive: finite placeholders, energies ignored
				copy(x, obs.Row(b))
				clear(a)
			case j == fb:
				copy(a, m.ctxA.Row(b))
			default:
				copy(a, m.ha[j-1].Row(b))
			}
			if j >= fb {
				if j == S {
					copy(x, obs.Row(b))
				} else {
					copy(x, m.hx[j].Row(b))
				}
			}
		}
	}
}

// setPrevs writes each filter's Prev from the fixed context or the current
// estimate of the preceding window position.
func (m *smoother) setPrevs() {
	w := m.w
	for j, f := range m.fs {
		for b := 0; b < m.B; b++ {
			fb := m.first(b)
			for n := 1; n <= w.N(); n++ {
				d := w.dims[n]
				dst := f.Prev[n].Data[b*d : (b+1)*d]
				switch {
				case j < fb:
					clear(dst)
				case j == fb:
					off := w.stateOffset(n)
					copy(dst, m.ctxS.Row(b)[off:off+d])
				default:
					copy(dst, m.fs[j-1].Z[n].Data[b*d:(b+1)*d])
				}
			}
		}
	}
}

// energy evaluates every filter and returns the per-row window energies in
// m.e (active positions only) and their total.
func (m *smoother) energy() float64 {
	clear(m.e)
	for _, f := range m.fs {
		f.Evaluate()
	}
	var tot float64
	for b := 0; b < m.B; b++ {
		for j := m.first(b); j <= m.S; j++ {
			m.e[b] += m.fs[j].rowE[b]
		}
		tot += m.e[b]
	}
	m.lastF = tot
	return tot
}

// gradients writes ∂(window energy)/∂z_j into every filter's grad: its own
// terms plus, through the successor's Prev, the successor's transition terms.
// The filters share the world model's networks, so each is re-evaluated
// (refreshing the networks' caches) right before its backward passes.
func (m *smoother) gradients() {
	for j, f := range m.fs {
		f.Evaluate()
		f.gradientsPrev(m.pg[j])
	}
	w := m.w
	for j := 0; j < m.S; j++ {
		for n := 1; n <= w.N(); n++ {
			d := w.dims[n]
			g, src := m.fs[j].grad[n].Data, m.pg[j+1][n].Data
			for b := 0; b < m.B; b++ {
				if j+1 <= m.first(b) {
					continue // the successor's Prev is the fixed context there
				}
				for i := b * d; i < (b+1)*d; i++ {
					g[i] += src[i]
				}
			}
		}
	}
}

// infer runs T steps of size eta on the window for observations obs (the
// current step) and writes z_t into dst. Each row backtracks on its own
// window energy, as Filter.Infer does.
func (m *smoother) infer(dst, obs *tensor.Mat, T int, eta float32) error {
	w, S := m.w, m.S
	m.setContexts(obs)
	// Start: stored estimates for past positions, the transition
	// prediction for the current one.
	for j := 0; j < S; j++ {
		f := m.fs[j]
		for b := 0; b < m.B; b++ {
			if j < m.first(b) {
				for n := 1; n <= w.N(); n++ {
					d := w.dims[n]
					clear(f.Z[n].Data[b*d : (b+1)*d])
				}
				continue
			}
			for n := 1; n <= w.N(); n++ {
				d, off := w.dims[n], w.stateOffset(n)
				copy(f.Z[n].Data[b*d:(b+1)*d], m.hz[j].Row(b)[off:off+d])
			}
		}
	}
	m.setPrevs()
	m.fs[S].Init(false)
	for b := range m.eta {
		m.eta[b] = eta
	}
	m.energy()
	for it := 0; it < T; it++ {
		if math.IsNaN(m.lastF) || math.IsInf(m.lastF, 0) {
			return fmt.Errorf("agent: world-model energy diverged to %v at smoothing step %d", m.lastF, it)
		}
		m.gradients()
		copy(m.prev, m.e)
		for j, f := range m.fs {
			for n := 1; n <= w.N(); n++ {
				d := w.dims[n]
				m.saved[j][n].CopyFrom(f.Z[n])
				z, g := f.Z[n].Data, f.grad[n].Data
				for b := 0; b < m.B; b++ {
					if j < m.first(b) {
						continue
					}
					e := m.eta[b]
					for i := b * d; i < (b+1)*d; i++ {
						z[i] -= e * g[i]
					}
				}
			}
		}
		m.setPrevs()
		m.energy()
		reverted := false
		for b := 0; b < m.B; b++ {
			if m.e[b] > m.prev[b] || math.IsNaN(m.e[b]) {
				reverted = true
				m.eta[b] *= 0.5
				for j := m.first(b); j <= S; j++ {
					for n := 1; n <= w.N(); n++ {
						d := w.dims[n]
						copy(m.fs[j].Z[n].Data[b*d:(b+1)*d], m.saved[j][n].Data[b*d:(b+1)*d])
					}
				}
			}
		}
		if reverted {
			m.setPrevs()
			m.energy()
		}
	}
	if math.IsNaN(m.lastF) || math.IsInf(m.lastF, 0) {
		return fmt.Errorf("agent: world-model energy diverged to %v after smoothing", m.lastF)
	}
	// Keep the revised past estimates.
	for j := 0; j < S; j++ {
		st := m.fs[j].State(m.tmp)
		for b := 0; b < m.B; b++ {
			if j >= m.first(b) {
				copy(m.hz[j].Row(b), st.Row(b))
			}
		}
	}
	m.fs[S].State(dst)
	m.fs[S].Evaluate() // its energies are the current step's terms (a) + (b)
	return nil
}

// push appends the current step (x_t, encoded a_t, z_t) to every row's
// history; the oldest step of a full window becomes the context.
func (m *smoother) push(obs, actEnc, z *tensor.Mat) {
	S := m.S
	for b := 0; b < m.B; b++ {
		if m.h[b] == S {
			copy(m.ctxS.Row(b), m.hz[0].Row(b))
			copy(m.ctxA.Row(b), m.ha[0].Row(b))
		}
		for j := 0; j < S-1; j++ {
			copy(m.hx[j].Row(b), m.hx[j+1].Row(b))
			copy(m.ha[j].Row(b), m.ha[j+1].Row(b))
			copy(m.hz[j].Row(b), m.hz[j+1].Row(b))
		}
		copy(m.hx[S-1].Row(b), obs.Row(b))
		copy(m.ha[S-1].Row(b), actEnc.Row(b))
		copy(m.hz[S-1].Row(b), z.Row(b))
		m.h[b] = min(m.h[b]+1, S)
	}
}
