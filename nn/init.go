package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/vfe-go/vfe/tensor"
)

// Init names a weight initialisation scheme for Linear layers. Configs store
// it by name (MarshalText/UnmarshalText, pflag.Value). The zero value is
// InitTorch, PyTorch's default nn.Linear initialisation.
//
// For a weight W of shape Out×In, fan_in = In and fan_out = Out (PyTorch's
// convention for nn.Linear). With gain g the schemes are:
//
//	InitTorch          W, b ~ U(−1/√fan_in, 1/√fan_in)   (kaiming_uniform with a=√5; g ignored)
//	InitXavierUniform  W ~ U(−a, a), a = g·√(6/(fan_in+fan_out)), b = 0
//	InitXavierNormal   W ~ N(0, σ²), σ = g·√(2/(fan_in+fan_out)), b = 0
//	InitHeUniform      W ~ U(−a, a), a = g·√(3/fan_in), b = 0   (kaiming_uniform_, mode fan_in)
//	InitHeNormal       W ~ N(0, σ²), σ = g/√fan_in, b = 0        (kaiming_normal_, mode fan_in)
//	InitOrthogonal     W = g·Q, Q with orthonormal rows or columns (orthogonal_), b = 0
//	InitZero           W = 0, b = 0
type Init int

// The initialisation schemes.
const (
	InitTorch         Init = iota // PyTorch's nn.Linear default, U(±1/√fan_in) for W and b
	InitXavierUniform             // Glorot uniform, zero bias
	InitXavierNormal              // Glorot normal, zero bias
	InitHeUniform                 // Kaiming uniform (fan_in), zero bias
	InitHeNormal                  // Kaiming normal (fan_in), zero bias
	InitOrthogonal                // scaled orthogonal, zero bias
	InitZero                      // all zero
)

var initNames = [...]string{"torch", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "orthogonal", "zero"}

// String returns the name used in configs and on the command line.
func (i Init) String() string {
	if i < 0 || int(i) >= len(initNames) {
		return fmt.Sprintf("Init(%d)", int(i))
	}
	return initNames[i]
}

// ParseInit returns the scheme named s: "torch" (also "default" or ""),
// "xavier_uniform" ("glorot_uniform"), "xavier_normal" ("glorot_normal"),
// "he_uniform" ("kaiming_uniform"), "he_normal" ("kaiming_normal"),
// "orthogonal", "zero".
func ParseInit(s string) (Init, error) {
	switch s {
	case "", "default":
		return InitTorch, nil
	case "glorot_uniform":
		return InitXavierUniform, nil
	case "glorot_normal":
		return InitXavierNormal, nil
	case "kaiming_uniform":
		return InitHeUniform, nil
	case "kaiming_normal":
		return InitHeNormal, nil
	}
	for i, n := range initNames {
		if n == s {
			return Init(i), nil
		}
	}
	return 0, fmt.Errorf("nn: unknown initialisation %q (want one of %v)", s, initNames)
}

// MarshalText implements encoding.TextMarshaler.
func (i Init) MarshalText() ([]byte, error) {
	if i < 0 || int(i) >= len(initNames) {
		return nil, fmt.Errorf("nn: cannot marshal unknown initialisation %d", int(i))
	}
	return []byte(i.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (i *Init) UnmarshalText(b []byte) error {
	v, err := ParseInit(string(b))
	if err != nil {
		return err
	}
	*i = v
	return nil
}

// Set implements pflag.Value.
func (i *Init) Set(s string) error { return i.UnmarshalText([]byte(s)) }

// Type implements pflag.Value.
func (i *Init) Type() string { return "init" }

// TorchGain returns PyTorch's torch.nn.init.calculate_gain for a: 1 for
// identity and sigmoid, 5/3 for tanh, √2 for relu, √(2/(1+0.01²)) for
// leaky_relu (slope 0.01). PyTorch has no gain for GELU; it gets ReLU's √2.
func TorchGain(a tensor.Act) float64 {
	switch a {
	case tensor.Tanh:
		return 5.0 / 3
	case tensor.ReLU, tensor.GELU:
		return math.Sqrt2
	case tensor.LeakyReLU:
		return math.Sqrt(2 / (1 + 0.01*0.01))
	}
	return 1
}

// Gain returns the gain NewMLP uses for a Linear layer followed by
// activation a (last reports whether it is the output layer):
//
//	InitXavierUniform, InitXavierNormal  1 (PyTorch's default gain, Glorot & Bengio 2010)
//	InitHeUniform, InitHeNormal          TorchGain(a) (kaiming_* with nonlinearity=a)
//	InitOrthogonal                       √2 for hidden layers, 1 for the output layer
//	                                     (the Stable-Baselines3 / CleanRL PPO convention)
//	InitTorch, InitZero                  1 (unused)
func (i Init) Gain(a tensor.Act, last bool) float64 {
	switch i {
	case InitHeUniform, InitHeNormal:
		return TorchGain(a)
	case InitOrthogonal:
		if last {
			return 1
		}
		return math.Sqrt2
	}
	return 1
}

// Apply initialises l.W and l.B in place with gain (see Init for the
// formulas). It panics if rng is nil or i is unknown.
func (i Init) Apply(rng *rand.Rand, l *Linear, gain float64) {
	if rng == nil {
		panic("nn: Init.Apply with nil rng")
	}
	w := l.W.Val
	fanIn, fanOut := float64(w.Cols), float64(w.Rows)
	switch i {
	case InitTorch:
		bound := 1 / math.Sqrt(fanIn)
		w.RandU(rng, -bound, bound)
		if l.B != nil {
			l.B.Val.RandU(rng, -bound, bound)
		}
		return
	case InitXavierUniform:
		a := gain * math.Sqrt(6/(fanIn+fanOut))
		w.RandU(rng, -a, a)
	case InitXavierNormal:
		w.RandN(rng, gain*math.Sqrt(2/(fanIn+fanOut)))
	case InitHeUniform:
		a := gain * math.Sqrt(3/fanIn)
		w.RandU(rng, -a, a)
	case InitHeNormal:
		w.RandN(rng, gain/math.Sqrt(fanIn))
	case InitOrthogonal:
		Orthogonal(rng, w, gain)
	case InitZero:
		w.Zero()
	default:
		panic(fmt.Sprintf("nn: unknown initialisation %d", int(i)))
	}
	if l.B != nil {
		l.B.Val.Zero()
	}
}

// Orthogonal fills w (r×c) with gain·Q where Q has orthonormal rows (r ≤ c)
// or orthonormal columns (r ≥ c), drawn from the Haar measure as PyTorch's
// orthogonal_ does: the QR factorisation of a standard normal matrix with
// the signs of R's diagonal folded into Q. It returns w and panics if rng is
// nil.
func Orthogonal(rng *rand.Rand, w *tensor.Mat, gain float64) *tensor.Mat {
	if rng == nil {
		panic("nn: Orthogonal with nil rng")
	}
	r, c := w.Rows, w.Cols
	if r == 0 || c == 0 {
		return w
	}
	m, n := r, c // factorise the tall orientation m ≥ n
	if r < c {
		m, n = c, r
	}
	a := mat.NewDense(m, n, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := rng.NormFloat64()
			if r < c {
				a.Set(j, i, v)
			} else {
				a.Set(i, j, v)
			}
		}
	}
	var qr mat.QR
	qr.Factorize(a)
	var q, rr mat.Dense
	qr.QTo(&q)
	qr.RTo(&rr)
	for j := 0; j < n; j++ {
		s := gain
		if rr.At(j, j) < 0 {
			s = -gain
		}
		for i := 0; i < m; i++ {
			v := float32(s * q.At(i, j))
			if r < c {
				w.Set(j, i, v)
			} else {
				w.Set(i, j, v)
			}
		}
	}
	return w
}

// OrthoInit initialises the Linears of m as Stable-Baselines3's ortho_init
// and CleanRL's layer_init do for policy-gradient networks: orthogonal
// weights with gain √2 for every hidden layer and gain last for the output
// layer (0.01 for a policy head, 1 for a value head), zero biases. Draws
// come from rng in layer order.
func OrthoInit(rng *rand.Rand, m *Sequential, last float64) {
	ls := m.Linears()
	for i, l := range ls {
		g := math.Sqrt2
		if i == len(ls)-1 {
			g = last
		}
		InitOrthogonal.Apply(rng, l, g)
	}
}
