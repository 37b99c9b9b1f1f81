package tensor

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/tensor/internal/vec"
)

// Act is an element-wise activation function f. The zero value is Identity.
type Act int

// The activations. Derivatives are taken with respect to the pre-activation.
const (
	Identity  Act = iota // f(x) = x
	Tanh                 // f(x) = tanh x, via a float32 rational approximation (|error| < 2e-7)
	ReLU                 // f(x) = max(x, 0); f'(0) = 0
	Sigmoid              // f(x) = 1/(1+e^{−x})
	GELU                 // f(x) = x·Φ(x), the exact (erf) form
	LeakyReLU            // f(x) = x for x > 0, 0.01x otherwise
)

var actNames = [...]string{"identity", "tanh", "relu", "sigmoid", "gelu", "leaky_relu"}

// String returns the lower-case name used on the command line.
func (a Act) String() string {
	if a < 0 || int(a) >= len(actNames) {
		return fmt.Sprintf("Act(%d)", int(a))
	}
	return actNames[a]
}

// ParseAct returns the activation named s ("identity", "linear", "tanh",
// "relu", "sigmoid", "gelu", "leaky_relu").
func ParseAct(s string) (Act, error) {
	if s == "linear" || s == "" {
		return Identity, nil
	}
	for i, n := range actNames {
		if n == s {
			return Act(i), nil
		}
	}
	return 0, fmt.Errorf("tensor: unknown activation %q (want one of %v)", s, actNames)
}

// MarshalText implements encoding.TextMarshaler so configs store names.
func (a Act) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Act) UnmarshalText(b []byte) error {
	v, err := ParseAct(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Set implements pflag.Value.
func (a *Act) Set(s string) error { return a.UnmarshalText([]byte(s)) }

// Type implements pflag.Value.
func (a *Act) Type() string { return "activation" }

// Coefficients of the odd rational minimax approximation tanh(x) ≈ x·P(x²)/Q(x²)
// on |x| ≤ 7.90531 (the standard float32 approximation used by Eigen and XLA);
// beyond that float32 tanh rounds to ±1. Accuracy is checked against math.Tanh
// in the tests.
const (
	tanhClamp = 7.90531110763549805
	tanhA1    = 4.89352455891786e-03
	tanhA3    = 6.37261928875436e-04
	tanhA5    = 1.48572235717979e-05
	tanhA7    = 5.12229709037114e-08
	tanhA9    = -8.60467152213735e-11
	tanhA11   = 2.00018790482477e-13
	tanhA13   = -2.76076847742355e-16
	tanhB0    = 4.89352518554385e-03
	tanhB2    = 2.26843463243900e-03
	tanhB4    = 1.18534705686654e-04
	tanhB6    = 1.19825839466702e-06
)

// Tanh32 is the fast float32 tanh used by the Tanh activation.
func Tanh32(x float32) float32 {
	if x > tanhClamp {
		x = tanhClamp
	} else if x < -tanhClamp {
		x = -tanhClamp
	}
	if x != x { // NaN
		return x
	}
	if x < 4e-4 && x > -4e-4 {
		return x
	}
	x2 := x * x
	p := float32(tanhA13)
	p = p*x2 + tanhA11
	p = p*x2 + tanhA9
	p = p*x2 + tanhA7
	p = p*x2 + tanhA5
	p = p*x2 + tanhA3
	p = p*x2 + tanhA1
	p *= x
	q := float32(tanhB6)
	q = q*x2 + tanhB4
	q = q*x2 + tanhB2
	q = q*x2 + tanhB0
	return p / q
}

func sigmoid32(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

const invSqrt2 = 0.7071067811865476
const invSqrt2Pi = 0.3989422804014327

// F returns f(x) for one value.
func (a Act) F(x float32) float32 {
	switch a {
	case Identity:
		return x
	case Tanh:
		return Tanh32(x)
	case ReLU:
		if x > 0 {
			return x
		}
		return 0
	case Sigmoid:
		return sigmoid32(x)
	case GELU:
		xf := float64(x)
		return float32(0.5 * xf * (1 + math.Erf(xf*invSqrt2)))
	case LeakyReLU:
		if x > 0 {
			return x
		}
		return 0.01 * x
	}
	panic("tensor: unknown activation " + a.String())
}

// D returns f'(x) for one value.
func (a Act) D(x float32) float32 {
	switch a {
	case Identity:
		return 1
	case Tanh:
		y := Tanh32(x)
		return 1 - y*y
	case ReLU:
		if x > 0 {
			return 1
		}
		return 0
	case Sigmoid:
		s := sigmoid32(x)
		return s * (1 - s)
	case GELU:
		xf := float64(x)
		return float32(0.5*(1+math.Erf(xf*invSqrt2)) + xf*invSqrt2Pi*math.Exp(-0.5*xf*xf))
	case LeakyReLU:
		if x > 0 {
			return 1
		}
		return 0.01
	}
	panic("tensor: unknown activation " + a.String())
}

// Forward returns dst = f(x) element-wise; dst may alias x.
func (a Act) Forward(dst, x *Mat) *Mat {
	dst = ensure("Act.Forward", dst, x.Rows, x.Cols)
	d, s := dst.Data, x.Data[:len(dst.Data)]
	switch a {
	case Identity:
		copy(d, s)
	case Tanh:
		for i := vec.Tanh(d, nil, s); i < len(s); i++ {
			d[i] = Tanh32(s[i])
		}
	case ReLU:
		for i, v := range s {
			d[i] = max(v, 0)
		}
	default:
		for i, v := range s {
			d[i] = a.F(v)
		}
	}
	return dst
}

// Deriv returns dst = f'(x) element-wise; dst may alias x.
func (a Act) Deriv(dst, x *Mat) *Mat {
	dst = ensure("Act.Deriv", dst, x.Rows, x.Cols)
	d, s := dst.Data, x.Data[:len(dst.Data)]
	switch a {
	case Identity:
		for i := range d {
			d[i] = 1
		}
	case Tanh:
		// The vector kernel stores y, then 1 − y² over it.
		for i := vec.Tanh(d, d, s); i < len(s); i++ {
			y := Tanh32(s[i])
			d[i] = 1 - y*y
		}
	default:
		for i, v := range s {
			d[i] = a.D(v)
		}
	}
	return dst
}

// ForwardDeriv computes f = f(x) and df = f'(x) in one pass (both must have
// x's shape, neither may alias x unless it is the last written). It is the
// fused kernel predictive-coding inference uses.
func (a Act) ForwardDeriv(f, df, x *Mat) {
	mustSame("Act.ForwardDeriv", f, x)
	mustSame("Act.ForwardDeriv", df, x)
	fd, dd, s := f.Data, df.Data[:len(f.Data)], x.Data[:len(f.Data)]
	switch a {
	case Identity:
		copy(fd, s)
		for i := range dd {
			dd[i] = 1
		}
	case Tanh:
		for i := vec.Tanh(fd, dd, s); i < len(s); i++ {
			y := Tanh32(s[i])
			fd[i] = y
			dd[i] = 1 - y*y
		}
	case ReLU:
		for i := vec.ReLU(fd, dd, s); i < len(s); i++ {
			if v := s[i]; v > 0 {
				fd[i], dd[i] = v, 1
			} else {
				fd[i], dd[i] = 0, 0
			}
		}
	default:
		for i, v := range s {
			fd[i], dd[i] = a.F(v), a.D(v)
		}
	}
}

// BackwardFromInput computes dx = dy ⊙ f'(x) (the chain rule through f given
// its input x); dx may alias dy.
func (a Act) BackwardFromInput(dx, dy, x *Mat) *Mat {
	mustSame("Act.BackwardFromInput", dy, x)
	dx = ensure("Act.BackwardFromInput", dx, x.Rows, x.Cols)
	d, g, s := dx.Data, dy.Data[:len(dx.Data)], x.Data[:len(dx.Data)]
	switch a {
	case Identity:
		copy(d, g)
	case Tanh:
		for i, v := range s {
			y := Tanh32(v)
			d[i] = g[i] * (1 - y*y)
		}
	case ReLU:
		for i, v := range s {
			if v > 0 {
				d[i] = g[i]
			} else {
				d[i] = 0
			}
		}
	default:
		for i, v := range s {
			d[i] = g[i] * a.D(v)
		}
	}
	return dx
}
