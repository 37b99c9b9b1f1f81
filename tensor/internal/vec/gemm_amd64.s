//go:build amd64 && !purego

#include "textflag.h"

// func gemm4x16AVX2(c, a, bp *float32, k, lda, ldc int, acc bool)
//
// A 4×16 tile of C (+)= A·B: rows 0…3 of A (row stride lda bytes), the
// packed 16-column panel bp of B (k rows of 16 contiguous values) and C
// (row stride ldc bytes). Each element is C[i, l] (or 0 unless acc) plus
// A[i, j]·B[j, l] for j = 0 … k−1 in order, by fused multiply-adds.
TEXT ·gemm4x16AVX2(SB), NOSPLIT, $0-49
	MOVQ    c+0(FP), DI
	MOVQ    a+8(FP), SI
	MOVQ    bp+16(FP), DX
	MOVQ    k+24(FP), CX
	MOVQ    lda+32(FP), R8
	MOVQ    ldc+40(FP), R9
	MOVBQZX acc+48(FP), R10
	LEAQ    (SI)(R8*2), BX
	LEAQ    (DI)(R9*2), R11
	TESTQ   R10, R10
	JZ      gzero
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS (DI)(R9*1), Y2
	VMOVUPS 32(DI)(R9*1), Y3
	VMOVUPS (R11), Y4
	VMOVUPS 32(R11), Y5
	VMOVUPS (R11)(R9*1), Y6
	VMOVUPS 32(R11)(R9*1), Y7
	JMP     gloop

gzero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

gloop:
	VMOVUPS      (DX), Y8
	VMOVUPS      32(DX), Y9
	VBROADCASTSS (SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS (SI)(R8*1), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS (BX), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS (BX)(R8*1), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         $64, DX
	ADDQ         $4, SI
	ADDQ         $4, BX
	DECQ         CX
	JNZ          gloop
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, 32(DI)
	VMOVUPS      Y2, (DI)(R9*1)
	VMOVUPS      Y3, 32(DI)(R9*1)
	VMOVUPS      Y4, (R11)
	VMOVUPS      Y5, 32(R11)
	VMOVUPS      Y6, (R11)(R9*1)
	VMOVUPS      Y7, 32(R11)(R9*1)
	VZEROUPPER
	RET

// func gemm1x16AVX2(c, a, bp *float32, k int, acc bool)
//
// gemm4x16AVX2 for one row: the same operations per element.
TEXT ·gemm1x16AVX2(SB), NOSPLIT, $0-33
	MOVQ    c+0(FP), DI
	MOVQ    a+8(FP), SI
	MOVQ    bp+16(FP), DX
	MOVQ    k+24(FP), CX
	MOVBQZX acc+32(FP), R10
	TESTQ   R10, R10
	JZ      g1zero
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	JMP     g1loop

g1zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

g1loop:
	VBROADCASTSS (SI), Y10
	VFMADD231PS  (DX), Y10, Y0
	VFMADD231PS  32(DX), Y10, Y1
	ADDQ         $64, DX
	ADDQ         $4, SI
	DECQ         CX
	JNZ          g1loop
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, 32(DI)
	VZEROUPPER
	RET

// func gemm8x16AVX512(c, a, bp *float32, k, lda, ldc int, acc bool)
//
// gemm4x16AVX2 for eight rows, with the sixteen accumulators in Y16–Y31
// (AVX-512VL): per row of B, two loads and eight broadcasts feed sixteen
// independent fused multiply-adds, twice the four-row tile's, so the
// multiply-add latency is hidden and B is read half as often. The same
// operations per element, in the same order.
TEXT ·gemm8x16AVX512(SB), NOSPLIT, $0-49
	MOVQ    c+0(FP), DI
	MOVQ    a+8(FP), SI
	MOVQ    bp+16(FP), DX
	MOVQ    k+24(FP), CX
	MOVQ    lda+32(FP), R8
	MOVQ    ldc+40(FP), R9
	MOVBQZX acc+48(FP), R10
	LEAQ    (SI)(R8*2), BX
	ADDQ    R8, BX              // row 3 of A
	LEAQ    (BX)(R8*2), R12
	ADDQ    R8, R12             // row 6 of A
	LEAQ    (DI)(R9*2), R11
	ADDQ    R9, R11             // row 3 of C
	LEAQ    (R11)(R9*2), R13
	ADDQ    R9, R13             // row 6 of C
	TESTQ   R10, R10
	JZ      g8zero
	VMOVUPS (DI), Y16
	VMOVUPS 32(DI), Y17
	VMOVUPS (DI)(R9*1), Y18
	VMOVUPS 32(DI)(R9*1), Y19
	VMOVUPS (DI)(R9*2), Y20
	VMOVUPS 32(DI)(R9*2), Y21
	VMOVUPS (R11), Y22
	VMOVUPS 32(R11), Y23
	VMOVUPS (R11)(R9*1), Y24
	VMOVUPS 32(R11)(R9*1), Y25
	VMOVUPS (R11)(R9*2), Y26
	VMOVUPS 32(R11)(R9*2), Y27
	VMOVUPS (R13), Y28
	VMOVUPS 32(R13), Y29
	VMOVUPS (R13)(R9*1), Y30
	VMOVUPS 32(R13)(R9*1), Y31
	JMP     g8loop

g8zero:
	VPXORD Y16, Y16, Y16
	VPXORD Y17, Y17, Y17
	VPXORD Y18, Y18, Y18
	VPXORD Y19, Y19, Y19
	VPXORD Y20, Y20, Y20
	VPXORD Y21, Y21, Y21
	VPXORD Y22, Y22, Y22
	VPXORD Y23, Y23, Y23
	VPXORD Y24, Y24, Y24
	VPXORD Y25, Y25, Y25
	VPXORD Y26, Y26, Y26
	VPXORD Y27, Y27, Y27
	VPXORD Y28, Y28, Y28
	VPXORD Y29, Y29, Y29
	VPXORD Y30, Y30, Y30
	VPXORD Y31, Y31, Y31

g8loop:
	VMOVUPS      (DX), Y0
	VMOVUPS      32(DX), Y1
	VBROADCASTSS (SI), Y2
	VFMADD231PS  Y0, Y2, Y16
	VFMADD231PS  Y1, Y2, Y17
	VBROADCASTSS (SI)(R8*1), Y3
	VFMADD231PS  Y0, Y3, Y18
	VFMADD231PS  Y1, Y3, Y19
	VBROADCASTSS (SI)(R8*2), Y4
	VFMADD231PS  Y0, Y4, Y20
	VFMADD231PS  Y1, Y4, Y21
	VBROADCASTSS (BX), Y5
	VFMADD231PS  Y0, Y5, Y22
	VFMADD231PS  Y1, Y5, Y23
	VBROADCASTSS (BX)(R8*1), Y6
	VFMADD231PS  Y0, Y6, Y24
	VFMADD231PS  Y1, Y6, Y25
	VBROADCASTSS (BX)(R8*2), Y7
	VFMADD231PS  Y0, Y7, Y26
	VFMADD231PS  Y1, Y7, Y27
	VBROADCASTSS (R12), Y8
	VFMADD231PS  Y0, Y8, Y28
	VFMADD231PS  Y1, Y8, Y29
	VBROADCASTSS (R12)(R8*1), Y9
	VFMADD231PS  Y0, Y9, Y30
	VFMADD231PS  Y1, Y9, Y31
	ADDQ         $64, DX
	ADDQ         $4, SI
	ADDQ         $4, BX
	ADDQ         $4, R12
	DECQ         CX
	JNZ          g8loop
	VMOVUPS      Y16, (DI)
	VMOVUPS      Y17, 32(DI)
	VMOVUPS      Y18, (DI)(R9*1)
	VMOVUPS      Y19, 32(DI)(R9*1)
	VMOVUPS      Y20, (DI)(R9*2)
	VMOVUPS      Y21, 32(DI)(R9*2)
	VMOVUPS      Y22, (R11)
	VMOVUPS      Y23, 32(R11)
	VMOVUPS      Y24, (R11)(R9*1)
	VMOVUPS      Y25, 32(R11)(R9*1)
	VMOVUPS      Y26, (R11)(R9*2)
	VMOVUPS      Y27, 32(R11)(R9*2)
	VMOVUPS      Y28, (R13)
	VMOVUPS      Y29, 32(R13)
	VMOVUPS      Y30, (R13)(R9*1)
	VMOVUPS      Y31, 32(R13)(R9*1)
	VZEROUPPER
	RET
