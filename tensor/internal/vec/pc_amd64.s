//go:build amd64 && !purego

#include "textflag.h"

// func gradStepAVX2(z, pe, x, df *float32, eta float32, n int)
//
// z[i] −= eta·(pe[i] − x[i]·df[i]) for i < n (n a multiple of 8): the
// scalar reference's multiply, subtract, multiply and subtract, each rounded
// (no fused multiply-add).
TEXT ·gradStepAVX2(SB), NOSPLIT, $0-48
	MOVQ         z+0(FP), DI
	MOVQ         pe+8(FP), SI
	MOVQ         x+16(FP), R8
	MOVQ         df+24(FP), R9
	VBROADCASTSS eta+32(FP), Y7
	MOVQ         n+40(FP), CX

loop:
	CMPQ    CX, $8
	JLT     done
	VMOVUPS (R8), Y0
	VMULPS  (R9), Y0, Y0 // x·df
	VMOVUPS (SI), Y1
	VSUBPS  Y0, Y1, Y1   // pe − x·df
	VMULPS  Y7, Y1, Y1   // η·g
	VMOVUPS (DI), Y2
	VSUBPS  Y1, Y2, Y2   // z − η·g
	VMOVUPS Y2, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET

// func residualAVX2(eps, pe, z, mu, pi *float32, n int, acc *[8]float32)
//
// e = z[i] − mu[i], eps[i] = e, p = pi[i]·e, pe[i] = p, acc[i mod 8] += p·e
// for i < n (n a multiple of 8), each operation rounded as in the scalar
// reference.
TEXT ·residualAVX2(SB), NOSPLIT, $0-56
	MOVQ    eps+0(FP), DI
	MOVQ    pe+8(FP), DX
	MOVQ    z+16(FP), SI
	MOVQ    mu+24(FP), R8
	MOVQ    pi+32(FP), R9
	MOVQ    n+40(FP), CX
	MOVQ    acc+48(FP), AX
	VMOVUPS (AX), Y5

rloop:
	CMPQ    CX, $8
	JLT     rdone
	VMOVUPS (SI), Y0
	VSUBPS  (R8), Y0, Y0 // e = z − μ
	VMOVUPS Y0, (DI)
	VMULPS  (R9), Y0, Y1 // p = π·e
	VMOVUPS Y1, (DX)
	VMULPS  Y0, Y1, Y2   // p·e
	VADDPS  Y2, Y5, Y5
	ADDQ    $32, DI
	ADDQ    $32, DX
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	SUBQ    $8, CX
	JMP     rloop

rdone:
	VMOVUPS Y5, (AX)
	VZEROUPPER
	RET
