package vec

// PackPanels writes B = b (trans false; b is k×n row-major) or B = bᵀ
// (trans true; b is n×k row-major) in MulPacked's layout: panel p holds
// columns 16p … 16p+15 of B, row after row, at bp[16pk:]. When n is not a
// multiple of 16 the last panel's missing columns are zeros. bp has
// k·PaddedCols(n) values. With AVX2 the transposing form moves 8×8 blocks
// through registers; either way the values are copied exactly.
func PackPanels(bp, b []float32, k, n int, trans bool) {
	PackPanelRange(bp, b, k, n, trans, 0, PaddedCols(n)/16)
}

// PackPanelRange is PackPanels for panels p0 … p1−1 only (panel p holds
// columns 16p … 16p+15; the last one may be padded), so that disjoint
// ranges can be packed concurrently into the same bp.
func PackPanelRange(bp, b []float32, k, n int, trans bool, p0, p1 int) {
	full := n / 16
	r := n - 16*full // columns of the padded last panel (0: none)
	k8 := k &^ 7
	for p := p0; p < p1; p++ {
		dst := bp[p*16*k : (p+1)*16*k]
		if p == full { // the padded last panel
			if trans {
				packTransScalar(dst, b[16*full*k:n*k], k, 0, r)
			} else {
				copyPanelScalar(dst, b, k, n, 16*full, r)
			}
			continue
		}
		if !trans {
			if k > 0 && copyPanel(dst, b, k, n, 16*p) {
				continue
			}
			copyPanelScalar(dst, b, k, n, 16*p, 16)
			continue
		}
		src := b[16*p*k : (16*p+16)*k]
		// Rows 16p … 16p+7 of b become columns 0 … 7 of the panel,
		// rows 16p+8 … 16p+15 columns 8 … 15.
		if k8 > 0 && transposeBlocks(dst, src, k8/8, 16, k) {
			transposeBlocks(dst[8:], src[8*k:], k8/8, 16, k)
			packTransScalar(dst, src, k, k8, 16)
			continue
		}
		packTransScalar(dst, src, k, 0, 16)
	}
}

// copyPanelScalar writes the k rows of a panel from columns c … c+w−1 of
// the k×n row-major b, w ≤ 16, zeroing the panel's columns w … 15.
func copyPanelScalar(dst, b []float32, k, n, c, w int) {
	for j := 0; j < k; j++ {
		d := dst[j*16 : j*16+16]
		copy(d[:w], b[j*n+c:j*n+c+w])
		clear(d[w:])
	}
}

// PaddedCols returns n rounded up to a multiple of 16: the column count of
// PackPanels' layout.
func PaddedCols(n int) int { return (n + 15) &^ 15 }

// packTransScalar writes rows j0 … k−1 of a transposed panel: dst[16j+c] =
// src[ck+j] for the w ≤ 16 rows c of src (each of length k), zeroing the
// panel's columns w … 15.
func packTransScalar(dst, src []float32, k, j0, w int) {
	// The rows of src are read side by side, so that each of their cache
	// lines serves sixteen consecutive j.
	for j := j0; j < k; j++ {
		d := dst[j*16 : j*16+16]
		for c := range w {
			d[c] = src[c*k+j]
		}
		clear(d[w:])
	}
}

// Transpose writes dst = srcᵀ for src rows×cols (row stride ldsrc) into dst
// cols×rows (row stride lddst). With AVX2 it moves 8×8 blocks through
// registers; either way the values are copied exactly.
func Transpose(dst, src []float32, rows, cols, lddst, ldsrc int) {
	if rows < 1 || cols < 1 {
		return
	}
	r8, c8 := rows&^7, cols&^7
	done := 0 // rows 0 … done−1 have columns 0 … c8−1 written
	if r8 > 0 && c8 > 0 && transposeBlocks(dst, src, c8/8, lddst, ldsrc) {
		for i := 8; i < r8; i += 8 {
			transposeBlocks(dst[i:], src[i*ldsrc:], c8/8, lddst, ldsrc)
		}
		done = r8
	}
	for i := 0; i < rows; i++ {
		j0 := 0
		if i < done {
			j0 = c8
		}
		s := src[i*ldsrc : i*ldsrc+cols]
		for j := j0; j < cols; j++ {
			dst[j*lddst+i] = s[j]
		}
	}
}
