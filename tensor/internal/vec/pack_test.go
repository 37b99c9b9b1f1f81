package vec

import (
	"fmt"
	"math"
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
				packTransScalar(ref[p*16*k:(p+1)*16*k], b[16*p*k:(16*p+16)*k], k, 0, 16)
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

// TestPackPanelsPadded checks both packing forms for column counts that are
// not multiples of 16: real columns copied, padding zero.
func TestPackPanelsPadded(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{1, 2, 5, 15, 17, 300} {
		for _, k := range []int{1, 4, 9, 64} {
			for _, trans := range []bool{false, true} {
				b := randSlice(rng, n*k)
				np := PaddedCols(n)
				bp := randSlice(rng, k*np)
				PackPanels(bp, b, k, n, trans)
				for l := 0; l < np; l++ {
					for j := 0; j < k; j++ {
						got := bp[(l/16)*16*k+j*16+l%16]
						var want float32
						switch {
						case l >= n:
						case trans:
							want = b[l*k+j]
						default:
							want = b[j*n+l]
						}
						if got != want {
							t.Fatalf("n=%d k=%d trans=%v: B[%d,%d] = %v, want %v", n, k, trans, j, l, got, want)
						}
					}
				}
			}
		}
	}
}

// TestMulPackedAnyWidth checks MulPacked for column counts that are not
// multiples of 16 against a float64 product, and that the columns of the
// last (partial) panel get the same bits as when the same columns sit in a
// full panel.
func TestMulPackedAnyWidth(t *testing.T) {
	if !HasFMA() {
		t.Skip("no AVX2/FMA")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, m := range []int{1, 3, 4, 7, 13} {
		for _, n := range []int{1, 5, 17, 300} {
			for _, k := range []int{1, 8, 37} {
				for _, acc := range []bool{false, true} {
					a, b := randSlice(rng, m*k), randSlice(rng, k*n)
					ldc := n + 2
					c := randSlice(rng, m*ldc)
					c0 := append([]float32(nil), c...)
					bp := make([]float32, k*PaddedCols(n))
					PackPanels(bp, b, k, n, false)
					if !MulPacked(c, a, bp, m, n, k, k, ldc, acc) {
						t.Fatal("MulPacked reported false")
					}
					// The same product with B widened to a multiple of 16
					// columns: every real column must match bit for bit.
					nw := PaddedCols(n)
					bw := make([]float32, k*nw)
					for j := 0; j < k; j++ {
						copy(bw[j*nw:j*nw+n], b[j*n:j*n+n])
					}
					bwp := make([]float32, k*nw)
					PackPanels(bwp, bw, k, nw, false)
					cw := make([]float32, m*nw)
					for i := 0; i < m; i++ {
						copy(cw[i*nw:i*nw+n], c0[i*ldc:i*ldc+n])
					}
					MulPacked(cw, a, bwp, m, nw, k, k, nw, acc)
					for i := 0; i < m; i++ {
						for l := 0; l < ldc; l++ {
							got := c[i*ldc+l]
							if l >= n {
								if got != c0[i*ldc+l] {
									t.Fatalf("m=%d n=%d k=%d: wrote outside the row at column %d", m, n, k, l)
								}
								continue
							}
							if got != cw[i*nw+l] {
								t.Fatalf("m=%d n=%d k=%d acc=%v: C[%d,%d] = %v, full-panel kernel %v", m, n, k, acc, i, l, got, cw[i*nw+l])
							}
							var want float64
							if acc {
								want = float64(c0[i*ldc+l])
							}
							for j := 0; j < k; j++ {
								want += float64(a[i*k+j]) * float64(b[j*n+l])
							}
							if d := float64(got) - want; d > 1e-4 || d < -1e-4 {
								t.Fatalf("m=%d n=%d k=%d acc=%v: C[%d,%d] = %v, want %v", m, n, k, acc, i, l, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestMulPackedEightRowTiles checks that the eight-row tiles (AVX-512VL)
// give the same bits as the four- and one-row tiles: each element is the
// same chain of fused multiply-adds either way.
func TestMulPackedEightRowTiles(t *testing.T) {
	if !has8Rows {
		t.Skip("no AVX-512VL")
	}
	defer func() { has8Rows = true }()
	rng := rand.New(rand.NewPCG(13, 14))
	for _, m := range []int{8, 13, 16, 37, 64} {
		for _, n := range []int{16, 48, 300} {
			for _, k := range []int{1, 8, 37, 256} {
				for _, acc := range []bool{false, true} {
					a, b := randSlice(rng, m*k), randSlice(rng, k*n)
					ldc := n + 3
					c0 := randSlice(rng, m*ldc)
					bp := make([]float32, k*PaddedCols(n))
					PackPanels(bp, b, k, n, false)
					var got [2][]float32
					for i, on := range []bool{true, false} {
						has8Rows = on
						got[i] = append([]float32(nil), c0...)
						MulPacked(got[i], a, bp, m, n, k, k, ldc, acc)
					}
					for i := range got[0] {
						if math.Float32bits(got[0][i]) != math.Float32bits(got[1][i]) {
							t.Fatalf("m=%d n=%d k=%d acc=%v: element %d: %v with eight-row tiles, %v without", m, n, k, acc, i, got[0][i], got[1][i])
						}
					}
				}
			}
		}
	}
}
