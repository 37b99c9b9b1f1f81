//go:build amd64 && !purego

#include "textflag.h"

DATA reluOne<>+0(SB)/4, $0x3f800000
GLOBL reluOne<>(SB), RODATA|NOPTR, $4

// func reluAVX2(f, df, x *float32, n int)
//
// m = (x > 0) as an ordered comparison (false for ±0 and NaN); f = x AND m,
// df = 1.0 AND m for i < n (n a multiple of 8): the same bits as the scalar
// loop.
TEXT ·reluAVX2(SB), NOSPLIT, $0-32
	MOVQ         f+0(FP), DI
	MOVQ         df+8(FP), DX
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	VXORPS       Y6, Y6, Y6
	VBROADCASTSS reluOne<>(SB), Y7

loop:
	CMPQ    CX, $8
	JLT     done
	VMOVUPS (SI), Y0
	VCMPPS  $0x1e, Y6, Y0, Y1 // GT_OQ: x > 0
	VANDPS  Y1, Y0, Y2
	VANDPS  Y1, Y7, Y3
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, (DX)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET

// func mulAVX2(d, x, y *float32, n int)
//
// d[i] = x[i]·y[i] for i < n (n a multiple of 8), rounded as the scalar
// product.
TEXT ·mulAVX2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX

mloop:
	CMPQ    CX, $8
	JLT     mdone
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     mloop

mdone:
	VZEROUPPER
	RET
