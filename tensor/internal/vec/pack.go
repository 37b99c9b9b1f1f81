package vec

// PackPanels writes B = b (trans false; b is k×n row-major) or B = bᵀ
// (trans true; b is n×k row-major) in MulPacked's layout, n a multiple of
// 16: panel p holds columns 16p … 16p+15 of B, row after row, at
// bp[16pk:]. bp has k·n values.
func PackPanels(bp, b []float32, k, n int, trans bool) {
	for p := 0; p < n/16; p++ {
		dst := bp[p*16*k : (p+1)*16*k]
		if !trans {
			for j := 0; j < k; j++ {
				copy(dst[j*16:j*16+16], b[j*n+16*p:j*n+16*p+16])
			}
			continue
		}
		// Sixteen rows of b are read side by side, so that each of their
		// cache lines serves sixteen consecutive j.
		src := b[16*p*k : (16*p+16)*k]
		for j := 0; j < k; j++ {
			d := dst[j*16 : j*16+16]
			for c := range d {
				d[c] = src[c*k+j]
			}
		}
	}
}
