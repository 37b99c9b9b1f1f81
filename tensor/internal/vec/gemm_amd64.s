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
