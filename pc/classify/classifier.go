package classify

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/tensor"
)

// Classifier is a predictive-coding network (or its backprop twin) set up
// for classification, with its optimiser and reusable batch states.
type Classifier struct {
	Cfg   Config
	Model *pc.Model
	// Amort is the hybrid mode's recognition network: Amort[l-1] maps
	// z_{l−1} to an initial z_l (l = 1 … L), bottom-up. Nil otherwise.
	Amort []*pc.Dense

	in, out   int // node indices of the input and the label
	inDim     int
	classes   int
	opt       optim.Optimizer
	amortOpt  optim.Optimizer
	train     *pc.State
	eval      *pc.State
	onehot    *tensor.Mat
	amortBuf  []*tensor.Mat
	amortGrad []*tensor.Mat
	learnPrec bool
	energies  pc.Energies
}

// BatchStats describes one training batch.
type BatchStats struct {
	Energy  float64   // F per sample after inference (PC) or the loss (BP)
	Nodes   []float64 // per-node energies per sample (shared; copy to keep)
	Correct int       // training samples classified right by the pre-update prediction
	Iters   int       // inference iterations run
}

// New builds a classifier for inputs of width inDim and the given number of
// classes, initialised from cfg.Seed.
func New(cfg Config, inDim, classes int) (*Classifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if inDim < 1 || classes < 2 {
		return nil, fmt.Errorf("classify: need input width ≥ 1 and ≥ 2 classes, got %d and %d", inDim, classes)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x1417))
	c := &Classifier{Cfg: cfg, inDim: inDim, classes: classes}
	L := len(cfg.Hidden) + 1
	dims := make([]int, L+1)
	acts := make([]tensor.Act, L)
	if cfg.Mode == ModeDiscriminative {
		// s^0 = label … s^L = input; Hidden is listed from the input side.
		dims[0], dims[L] = classes, inDim
		for i, h := range cfg.Hidden {
			dims[L-1-i] = h
		}
		c.in, c.out = L, 0
	} else {
		// s^0 = image … s^L = label.
		dims[0], dims[L] = inDim, classes
		copy(dims[1:], cfg.Hidden)
		c.in, c.out = 0, L
	}
	for l := 1; l <= L; l++ {
		acts[l-1] = cfg.Act
	}
	acts[L-1] = tensor.Identity // f on the top node (input or one-hot label)
	m, err := pc.NewChain(rng, pc.ChainConfig{Dims: dims, Acts: acts, Prec: cfg.Prec, FixedPrec: cfg.PrecInit, TopPrior: cfg.Prior, Init: cfg.Init})
	if err != nil {
		return nil, err
	}
	if cfg.LabelPrec > 0 {
		nd := m.Nodes[c.out]
		nd.FixedPrec = cfg.LabelPrec
		if nd.P != nil {
			nd.P.Val.Fill(cfg.LabelPrec)
		}
		m.Project()
	}
	c.Model = m
	c.learnPrec = cfg.Prec != pc.PrecFixed
	if c.opt, err = newOptimizer(cfg, m.ParamList(), cfg.LR); err != nil {
		return nil, err
	}
	if cfg.Mode == ModeHybrid {
		c.Amort = make([]*pc.Dense, L)
		var ps []*nn.Param
		for l := 1; l <= L; l++ {
			f := cfg.Act
			if l == 1 {
				f = tensor.Identity // the image
			}
			d := pc.NewDense(dims[l-1], dims[l], f)
			cfg.Init.Apply(rng, d.Lin, cfg.Init.Gain(cfg.Act, l == L))
			c.Amort[l-1] = d
			ps = append(ps, d.Params()...)
			c.amortBuf = append(c.amortBuf, tensor.New(0, dims[l]))
			c.amortGrad = append(c.amortGrad, tensor.New(0, dims[l]))
		}
		lr := cfg.AmortLR
		if lr == 0 {
			lr = cfg.LR
		}
		if c.amortOpt, err = optim.NewAdam(ps, optim.AdamConfig{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}); err != nil {
			return nil, err
		}
	}
	c.train = m.NewState(cfg.Batch)
	c.eval = m.NewState(0)
	c.onehot = tensor.New(0, classes)
	return c, nil
}

func newOptimizer(cfg Config, ps []*nn.Param, lr float64) (optim.Optimizer, error) {
	switch cfg.Optimizer {
	case "sgd":
		sc := optim.DefaultSGDConfig()
		if lr != 0 {
			sc.LR = lr
		}
		sc.Momentum = cfg.Momentum
		sc.WeightDecay = cfg.WeightDecay
		return optim.NewSGD(ps, sc)
	case "adamw":
		ac := optim.DefaultAdamWConfig()
		if lr != 0 {
			ac.LR = lr
		}
		if cfg.WeightDecay != 0 {
			ac.WeightDecay = cfg.WeightDecay
		}
		return optim.NewAdamW(ps, ac)
	default:
		ac := optim.DefaultAdamConfig()
		if lr != 0 {
			ac.LR = lr
		}
		ac.WeightDecay = cfg.WeightDecay
		return optim.NewAdam(ps, ac)
	}
}

// Optimizer returns the model's optimiser (for checkpointing).
func (c *Classifier) Optimizer() optim.Optimizer { return c.opt }

// AmortOptimizer returns the recognition network's optimiser, or nil.
func (c *Classifier) AmortOptimizer() optim.Optimizer { return c.amortOpt }

// InputNode and LabelNode return the node indices of the clamped input and
// the label.
func (c *Classifier) InputNode() int { return c.in }

// LabelNode returns the node index of the label.
func (c *Classifier) LabelNode() int { return c.out }

func (c *Classifier) setBatch(s *pc.State, b int) {
	if s.B != b {
		s.Resize(b)
	}
	c.onehot.Resize(b, c.classes)
}

func oneHot(dst *tensor.Mat, y []int) {
	dst.Zero()
	for i, v := range y {
		dst.Set(i, v, 1)
	}
}

// TrainBatch runs one E-step and M-step (PC) or one backprop step (BP) on
// the batch x (B×inDim) with labels y. It returns an *pc.ErrDiverged when
// the energy becomes non-finite, before this batch's update is applied
// (with the incremental schedule, the steps before the failing one stay).
func (c *Classifier) TrainBatch(x *tensor.Mat, y []int) (BatchStats, error) {
	var st BatchStats
	if x.Rows != len(y) || x.Cols != c.inDim {
		panic(fmt.Sprintf("classify: TrainBatch: x is %d×%d with %d labels, want %d columns", x.Rows, x.Cols, len(y), c.inDim))
	}
	for _, v := range y {
		if v < 0 || v >= c.classes {
			return st, fmt.Errorf("classify: label %d outside [0, %d)", v, c.classes)
		}
	}
	s, m, cfg := c.train, c.Model, c.Cfg
	c.setBatch(s, x.Rows)
	oneHot(c.onehot, y)
	inVal, outVal := x, c.onehot
	if c.Cfg.Mode != ModeDiscriminative {
		inVal = x
	}
	s.Clamp(c.in, inVal)
	s.Clamp(c.out, outVal)
	switch cfg.Mode {
	case ModeDiscriminative:
		m.Init(s, pc.InitForward, cfg.Infer)
		// The feed-forward prediction is the model's test-time output.
		st.Correct = countCorrect(s.Prediction(c.out), y)
	case ModeGenerative:
		m.Init(s, pc.InitForward, cfg.Infer)
	case ModeHybrid:
		c.amortise(s, x)
		m.Init(s, pc.InitKeep, cfg.Infer)
		st.Correct = countCorrect(c.amortBuf[len(c.amortBuf)-1], y)
	}
	if cfg.Method == MethodBP {
		if err := s.Check(); err != nil {
			return st, err
		}
		m.Backprop(s)
		st.Energy = s.Energy(&c.energies).Total
		st.Nodes = c.energies.Nodes
		c.opt.Step()
		return st, nil
	}
	if cfg.Schedule == ScheduleIncremental {
		one := cfg.Infer
		one.T = 1
		for t := 0; t < max(cfg.Infer.T, 1); t++ {
			is, err := m.Infer(s, one)
			if err != nil {
				return st, err
			}
			st.Iters += is.Iters
			m.Learn(s)
			c.opt.Step()
			if c.learnPrec {
				m.Project()
			}
			s.Invalidate()
			m.Evaluate(s)
		}
	} else {
		is, err := m.Infer(s, cfg.Infer)
		if err != nil {
			return st, err
		}
		st.Iters = is.Iters
		m.Learn(s)
		c.opt.Step()
		if c.learnPrec {
			m.Project()
		}
	}
	st.Energy = s.Energy(&c.energies).Total
	st.Nodes = c.energies.Nodes
	if cfg.Mode == ModeHybrid {
		c.trainAmortiser(s, x)
	}
	return st, nil
}

// amortise runs the recognition network bottom-up from x and sets the free
// hidden nodes of s to its outputs.
func (c *Classifier) amortise(s *pc.State, x *tensor.Mat) {
	prev := x
	for l, d := range c.Amort {
		buf := c.amortBuf[l].Resize(x.Rows, c.amortBuf[l].Cols)
		d.Forward(buf, prev)
		if node := l + 1; !s.Clamped[node] {
			s.Z[node].CopyFrom(buf)
		}
		prev = buf
	}
}

// trainAmortiser regresses each recognition layer onto the converged z:
// layer l maps z*_{l−1} to a prediction of z*_l, trained on ½‖·‖² (batch
// mean), a local rule like PC's own.
func (c *Classifier) trainAmortiser(s *pc.State, x *tensor.Mat) {
	invB := 1 / float32(x.Rows)
	for l, d := range c.Amort {
		d.Params()[0].Grad.Zero()
		d.Params()[1].Grad.Zero()
		out := c.amortBuf[l].Resize(x.Rows, c.amortBuf[l].Cols)
		d.Forward(out, s.Z[l])
		g := c.amortGrad[l].Resize(x.Rows, out.Cols)
		tensor.Sub(g, out, s.Z[l+1])
		d.AccumulateParamGrad(g, invB)
	}
	c.amortOpt.Step()
}

func countCorrect(scores *tensor.Mat, y []int) int {
	n := 0
	for i, v := range y {
		if scores.ArgmaxRow(i) == v {
			n++
		}
	}
	return n
}

// Predict writes the predicted class of each row of x into dst (len
// x.Rows; nil allocates) and returns it: the argmax of Scores.
func (c *Classifier) Predict(dst []int, x *tensor.Mat) ([]int, error) {
	if dst == nil {
		dst = make([]int, x.Rows)
	}
	z, err := c.Scores(x)
	if err != nil {
		return dst, err
	}
	for i := range dst {
		dst[i] = z.ArgmaxRow(i)
	}
	return dst, nil
}

// Scores returns the label node's values for each row of x (B×classes; the
// matrix is reused by the next call). Discriminative: one feed-forward pass
// (the energy minimum with the label free). Generative: the free label node
// after TestT inference iterations with the image clamped. Hybrid: the
// amortised initialisation refined by TestT iterations. Task-incremental
// evaluation masks these scores to a task's classes.
func (c *Classifier) Scores(x *tensor.Mat) (*tensor.Mat, error) {
	s, m, cfg := c.eval, c.Model, c.Cfg
	c.setBatch(s, x.Rows)
	s.Clamp(c.in, x)
	switch cfg.Mode {
	case ModeDiscriminative:
		m.Init(s, pc.InitForward, cfg.Infer)
	default:
		ic := cfg.Infer
		ic.T = cfg.TestT
		if cfg.Mode == ModeHybrid {
			c.amortise(s, x)
			m.Init(s, pc.InitKeep, ic)
		} else {
			m.Init(s, pc.InitForward, ic)
		}
		if ic.T > 0 {
			if _, err := m.Infer(s, ic); err != nil {
				return nil, err
			}
		}
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return s.Z[c.out], nil
}

// Generate returns, for each label in labels, the image the generative model
// predicts with the label clamped at the top (a feed-forward sweep; the mean
// of p(x | label)). It needs the generative or hybrid mode.
func (c *Classifier) Generate(labels []int) (*tensor.Mat, error) {
	if c.Cfg.Mode == ModeDiscriminative {
		return nil, fmt.Errorf("classify: generating images needs a generative or hybrid model, this one is discriminative")
	}
	s := c.Model.NewState(len(labels))
	oh := tensor.New(len(labels), c.classes)
	for _, v := range labels {
		if v < 0 || v >= c.classes {
			return nil, fmt.Errorf("classify: label %d outside [0, %d)", v, c.classes)
		}
	}
	oneHot(oh, labels)
	s.Clamp(c.out, oh)
	c.Model.Init(s, pc.InitForward, c.Cfg.Infer)
	return s.Z[c.in].Clone(), nil
}

// Params returns every learnable tensor with its checkpoint name: the
// model's ("edges.K.weight", …) and, in hybrid mode, "amort.L.weight/bias".
func (c *Classifier) Params() []nn.NamedParam {
	ps := slices.Clone(c.Model.Params())
	for l, d := range c.Amort {
		ps = append(ps, d.NamedParams(fmt.Sprintf("amort.%d", l))...)
	}
	return ps
}
