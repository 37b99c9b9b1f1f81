package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/nn"
)

// adamScalar is adamKernel's element loop on its own: the reference the
// vector kernel must reproduce bit for bit.
func adamScalar(th, g, m, v []float32, l2, b1, ob1, b2, ob2, stepSize, invSqrtBc2, eps float32) {
	for j := range th {
		gj := g[j]
		if l2 != 0 {
			gj += l2 * th[j]
		}
		mj := b1*m[j] + ob1*gj
		vj := b2*v[j] + ob2*gj*gj
		m[j], v[j] = mj, vj
		th[j] -= stepSize * mj / (float32(math.Sqrt(float64(vj)))*invSqrtBc2 + eps)
	}
}

func TestAdamKernel_MatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	vec := func(n int, s float64) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(s * rng.NormFloat64())
		}
		return x
	}
	for _, n := range []int{1, 7, 8, 37, 256} {
		for _, l2 := range []float32{0, 0.01} {
			th, g, m, v := vec(n, 1), vec(n, 1e-2), vec(n, 1e-3), vec(n, 1e-4)
			for i := range v {
				v[i] = float32(math.Abs(float64(v[i])))
			}
			g[0] = 0
			rt, rm, rv := append([]float32(nil), th...), append([]float32(nil), m...), append([]float32(nil), v...)
			for step := 1; step <= 3; step++ {
				bc2 := 1 - math.Pow(0.999, float64(step))
				args := []float32{l2, 0.9, float32(1 - 0.9), 0.999, float32(1 - 0.999), float32(1e-3 / (1 - math.Pow(0.9, float64(step)))),
					float32(1 / math.Sqrt(bc2)), 1e-8}
				adamKernel(th, g, m, v, args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7])
				adamScalar(rt, g, rm, rv, args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7])
			}
			for i := range th {
				if math.Float32bits(th[i]) != math.Float32bits(rt[i]) || math.Float32bits(m[i]) != math.Float32bits(rm[i]) ||
					math.Float32bits(v[i]) != math.Float32bits(rv[i]) {
					t.Fatalf("n=%d l2=%v element %d: (θ, m, v) = (%v, %v, %v), scalar loop gives (%v, %v, %v)",
						n, l2, i, th[i], m[i], v[i], rt[i], rm[i], rv[i])
				}
			}
		}
	}
}

func TestPolyak_MatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{1, 8, 37, 300} {
		tgt, src := nn.NewParam("t", 1, n), nn.NewParam("s", 1, n)
		tgt.Val.RandN(rng, 1)
		src.Val.RandN(rng, 1)
		want := append([]float32(nil), tgt.Val.Data...)
		tau := 0.005
		t32, o32 := float32(tau), float32(1-tau)
		for j := range want {
			want[j] = t32*src.Val.Data[j] + o32*want[j]
		}
		Polyak([]*nn.Param{tgt}, []*nn.Param{src}, tau)
		for j := range want {
			if math.Float32bits(tgt.Val.Data[j]) != math.Float32bits(want[j]) {
				t.Fatalf("n=%d element %d: %v, scalar loop gives %v", n, j, tgt.Val.Data[j], want[j])
			}
		}
	}
}

func BenchmarkAdamKernel(b *testing.B) {
	n := 65536
	th, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range g {
		g[i] = float32(i%17) * 1e-3
	}
	b.Run("kernel", func(b *testing.B) {
		for range b.N {
			adamKernel(th, g, m, v, 0, 0.9, 0.1, 0.999, 0.001, 1e-3, 1, 1e-8)
		}
	})
	b.Run("scalar", func(b *testing.B) {
		for range b.N {
			adamScalar(th, g, m, v, 0, 0.9, 0.1, 0.999, 0.001, 1e-3, 1, 1e-8)
		}
	})
}
