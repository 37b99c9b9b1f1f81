package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// TestPackPanelsTrans checks the transposing pack against the definition
// B[j, l] = b[l, j], element by element, for k with and without a
// multiple-of-8 part and a remainder.
func TestPackPanelsTrans(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{16, 32, 64, 256} {
		for _, k := range []int{1, 3, 7, 8, 9, 15, 16, 17, 64, 100, 256} {
			b := randSlice(rng, n*k)
			bp := make([]float32, k*n)
			for i := range bp {
				bp[i] = -1e30
			}
			PackPanels(bp, b, k, n, true)
			for p := 0; p < n/16; p++ {
				for j := 0; j < k; j++ {
					for c := 0; c < 16; c++ {
						if got, want := bp[p*16*k+j*16+c], b[(16*p+c)*k+j]; got != want {
							t.Fatalf("n=%d k=%d: panel %d row %d col %d: %v, want %v", n, k, p, j, c, got, want)
						}
					}
				}
			}
			ref := make([]float32, k*n)
			for p := 0; p < n/16; p++ {
				packTransScalar(ref[p*16*k:(p+1)*16*k], b[16*p*k:(16*p+16)*k], k, 0)
			}
			for i := range ref {
				if ref[i] != bp[i] {
					t.Fatalf("n=%d k=%d: differs from the scalar pack at %d", n, k, i)
				}
			}
		}
	}
}

// TestTranspose checks Transpose against dst[j, i] = src[i, j] for odd
// shapes and strides wider than the rows, and that it writes nothing
// outside the transposed block.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, rows := range []int{1, 2, 7, 8, 9, 16, 23, 64, 256} {
		for _, cols := range []int{1, 5, 8, 13, 16, 31, 64, 256} {
			for _, pad := range []int{0, 3} {
				ldsrc, lddst := cols+pad, rows+pad
				src := randSlice(rng, rows*ldsrc)
				dst := make([]float32, cols*lddst)
				const sentinel = 12345
				for i := range dst {
					dst[i] = sentinel
				}
				Transpose(dst, src, rows, cols, lddst, ldsrc)
				for j := 0; j < cols; j++ {
					for i := 0; i < lddst; i++ {
						got := dst[j*lddst+i]
						want := float32(sentinel)
						if i < rows {
							want = src[i*ldsrc+j]
						}
						if got != want {
							t.Fatalf("%d×%d pad %d: dst[%d,%d] = %v, want %v", rows, cols, pad, j, i, got, want)
						}
					}
				}
			}
		}
	}
}

func BenchmarkPackPanelsTrans(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range [][2]int{{256, 256}, {256, 64}, {64, 64}, {256, 4}} {
		n, k := c[0], c[1]
		src, bp := randSlice(rng, n*k), make([]float32, n*k)
		b.Run(fmt.Sprintf("%dx%d", n, k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				PackPanels(bp, src, k, n, true)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n*k), "ns/elem")
		})
	}
}

func BenchmarkTranspose(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range [][2]int{{256, 256}, {64, 256}, {256, 64}} {
		r, cl := c[0], c[1]
		src, dst := randSlice(rng, r*cl), make([]float32, r*cl)
		b.Run(fmt.Sprintf("%dx%d", r, cl), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Transpose(dst, src, r, cl, r, cl)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*r*cl), "ns/elem")
		})
	}
}
