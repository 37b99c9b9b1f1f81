//go:build amd64 && !purego

package vec

//go:noescape
func transpose8AVX2(dst, src *float32, nblk, lddst, ldsrc int)

// transposeBlocks writes the transposes of nblk 8×8 blocks side by side:
// block b is src[i·ldsrc + 8b + j] for i, j < 8, and its transpose goes to
// dst[(8b+j)·lddst + i] (strides in elements). It reports false, writing
// nothing, without AVX2.
func transposeBlocks(dst, src []float32, nblk, lddst, ldsrc int) bool {
	if !hasAVX2 {
		return false
	}
	if nblk < 1 {
		return true
	}
	_, _ = src[7*ldsrc+8*nblk-1], dst[(8*nblk-1)*lddst+7]
	transpose8AVX2(&dst[0], &src[0], nblk, 4*lddst, 4*ldsrc)
	return true
}

//go:noescape
func copyPanelAVX2(dst, src *float32, k, ldsrc int)

// copyPanel copies columns c … c+15 of the k×n row-major b into dst (k rows
// of 16), and reports false, copying nothing, without AVX2.
func copyPanel(dst, b []float32, k, n, c int) bool {
	if !hasAVX2 {
		return false
	}
	_, _ = dst[16*k-1], b[(k-1)*n+c+15]
	copyPanelAVX2(&dst[0], &b[c], k, 4*n)
	return true
}
