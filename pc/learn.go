package pc

import (
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// Learn writes ∂F/∂θ — the M-step gradient of the per-sample (batch-mean)
// free energy at the current, relaxed z — into every parameter's Grad,
// overwriting what was there: for each edge −(∂μ/∂θ)ᵀ Π ε (the seed's
// learning rule), for learned precisions ½ε² − ½/π per dimension (summed
// over dimensions for a scalar), and for a learned prior mean −Π(z − μ̂).
// It uses the errors of the last evaluation (Infer ends with one). When the
// last Init had InferConfig.Workers > 1 and every edge is Dense, that many
// goroutines share the weight gradients, each taking a block of every
// matrix's rows.
func (m *Model) Learn(s *State) {
	for _, np := range m.Params() {
		np.Param.Grad.Zero()
	}
	if s.B == 0 {
		return
	}
	invB := 1 / float32(s.B)
	w := m.learnWorkers()
	if w > 1 {
		// Every edge is Dense: each worker takes a block of every weight
		// matrix's rows (output units).
		tensor.Parallel(w, w, func(i, _, _ int) {
			for _, e := range m.Edges {
				if !m.HasTerm(e.To) {
					continue
				}
				d := e.Fn.(*Dense)
				if lo, hi := tensor.Block(d.Lin.Out, w, i); lo < hi {
					d.accumulateParamGradRows(s.pieps[e.To], -invB, lo, hi)
				}
			}
		})
	}
	for k, e := range m.Edges {
		if !m.HasTerm(e.To) || w > 1 {
			continue
		}
		if d, ok := e.Fn.(*Dense); ok {
			d.AccumulateParamGrad(s.pieps[e.To], -invB)
			continue
		}
		dy := s.grad[e.To] // scratch of the right shape; ∂F/∂z is stale after Learn
		tensor.Scale(dy, -invB, s.pieps[e.To])
		e.Fn.Backward(s.edgeX[k], dy)
	}
	for n, nd := range m.Nodes {
		if !m.HasTerm(n) {
			continue
		}
		if nd.P != nil {
			g := nd.P.Grad.Data
			d := nd.Dim
			eps := s.eps[n].Data
			for i := 0; i < d; i++ {
				var sq float64
				for b := 0; b < s.B; b++ {
					v := float64(eps[b*d+i])
					sq += v * v
				}
				gi := 0.5*sq/float64(s.B) - 0.5/float64(nd.pi[i])
				if nd.Prec == PrecScalar {
					g[0] += float32(gi)
				} else {
					g[i] = float32(gi)
				}
			}
		}
		if len(m.in[n]) == 0 && nd.PriorMu != nil {
			tensor.SumRowsInto(nd.PriorMu.Grad.Data, s.pieps[n], 0)
			for i := range nd.PriorMu.Grad.Data {
				nd.PriorMu.Grad.Data[i] *= -invB
			}
		}
	}
}

// Backprop writes into every edge parameter's Grad the ordinary
// backpropagation gradient of the per-sample loss F/B, where F is the energy
// of the clamped nodes' terms and every free node equals its feed-forward
// prediction (call Init with InitForward first and no Infer). With the label
// node clamped this is the squared-error loss ½(y − ŷ)ᵀΠ(y − ŷ): the
// backprop baseline on the identical architecture. It overwrites Grads.
func (m *Model) Backprop(s *State) {
	for _, np := range m.Params() {
		np.Param.Grad.Zero()
	}
	if s.B == 0 {
		return
	}
	invB := 1 / float32(s.B)
	// adj[n] = ∂(F/B)/∂μ_n, accumulated in reverse topological order; the
	// scratch s.grad holds it.
	for n := range m.Nodes {
		s.grad[n].Zero()
	}
	for i := len(m.topo) - 1; i >= 0; i-- {
		n := m.topo[i]
		if len(m.in[n]) == 0 {
			continue
		}
		adj := s.grad[n]
		if s.Clamped[n] && m.HasTerm(n) {
			// ∂/∂μ of ½ εᵀΠε with ε = z − μ is −Πε.
			tensor.AddScaled(adj, -invB, s.pieps[n])
		}
		for _, k := range m.in[n] {
			e := m.Edges[k]
			dx := e.Fn.Backward(s.edgeX[k], adj)
			if !s.Clamped[e.From] {
				tensor.AddScaled(s.grad[e.From], 1, dx)
			}
		}
	}
	_ = nn.ZeroGrad
}

// learnWorkers returns the row workers the last Init allowed (1 unless every
// edge is Dense and InferConfig.Workers > 1).
func (m *Model) learnWorkers() int {
	w := 0
	for _, e := range m.Edges {
		d, ok := e.Fn.(*Dense)
		if !ok {
			return 1
		}
		if w == 0 || d.workers < w {
			w = d.workers
		}
	}
	return max(w, 1)
}
