//go:build amd64 && !purego

#include "textflag.h"

// func mulSmallKAVX2(c, a, b *float32, m, k, n int)
//
// C = A·B for row-major A (m×k), B (k×n) and C (m×n), n a multiple of 8 and
// k ≥ 1: each C[i, l] = Σ_j A[i, j]·B[j, l] accumulated in j order from 0
// by fused multiply-adds, eight columns to a register, 64 columns at a time.
TEXT ·mulSmallKAVX2(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ m+24(FP), R8
	MOVQ k+32(FP), R9
	MOVQ n+40(FP), R10
	MOVQ R10, R11
	SHLQ $2, R11 // row stride of B and C in bytes

krow:
	TESTQ R8, R8
	JZ    kend
	XORQ  R12, R12 // column offset in bytes

kc64:
	MOVQ   R11, R13
	SUBQ   R12, R13 // bytes left in the row
	CMPQ   R13, $256
	JLT    kc8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	LEAQ   (DX)(R12*1), R14
	MOVQ   SI, AX
	MOVQ   R9, BX

kj64:
	VBROADCASTSS (AX), Y8
	VFMADD231PS  (R14), Y8, Y0
	VFMADD231PS  32(R14), Y8, Y1
	VFMADD231PS  64(R14), Y8, Y2
	VFMADD231PS  96(R14), Y8, Y3
	VFMADD231PS  128(R14), Y8, Y4
	VFMADD231PS  160(R14), Y8, Y5
	VFMADD231PS  192(R14), Y8, Y6
	VFMADD231PS  224(R14), Y8, Y7
	ADDQ         $4, AX
	ADDQ         R11, R14
	DECQ         BX
	JNZ          kj64
	LEAQ         (DI)(R12*1), R14
	VMOVUPS      Y0, (R14)
	VMOVUPS      Y1, 32(R14)
	VMOVUPS      Y2, 64(R14)
	VMOVUPS      Y3, 96(R14)
	VMOVUPS      Y4, 128(R14)
	VMOVUPS      Y5, 160(R14)
	VMOVUPS      Y6, 192(R14)
	VMOVUPS      Y7, 224(R14)
	ADDQ         $256, R12
	JMP          kc64

kc8:
	CMPQ   R13, $32
	JLT    krowdone
	VXORPS Y0, Y0, Y0
	LEAQ   (DX)(R12*1), R14
	MOVQ   SI, AX
	MOVQ   R9, BX

kj8:
	VBROADCASTSS (AX), Y8
	VFMADD231PS  (R14), Y8, Y0
	ADDQ         $4, AX
	ADDQ         R11, R14
	DECQ         BX
	JNZ          kj8
	VMOVUPS      Y0, (DI)(R12*1)
	ADDQ         $32, R12
	SUBQ         $32, R13
	JMP          kc8

krowdone:
	LEAQ (SI)(R9*4), SI
	ADDQ R11, DI
	DECQ R8
	JMP  krow

kend:
	VZEROUPPER
	RET

// func mulSmallNAVX2(c, a, bt, bias *float32, m, k, n int)
//
// C = A·Btᵀ (+ bias) for row-major A (m×k), Bt (n×k) and C (m×n), k a
// multiple of 8: each C[i, l] is the dot product of row i of A and row l of
// Bt, formed by fused multiply-adds in four 8-lane partial sums over blocks
// of 32 (then blocks of 8 into the first), reduced in a fixed order, plus
// bias[l] when bias is not nil.
TEXT ·mulSmallNAVX2(SB), NOSPLIT, $0-56
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ bt+16(FP), DX
	MOVQ bias+24(FP), CX
	MOVQ m+32(FP), R8
	MOVQ k+40(FP), R9
	MOVQ n+48(FP), R10
	SHLQ $2, R9 // row length of A and Bt in bytes

nrow:
	TESTQ R8, R8
	JZ    nend
	MOVQ  DX, R12 // row l of Bt
	XORQ  R11, R11 // l

ncol:
	CMPQ   R11, R10
	JGE    nrowdone
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   SI, AX
	MOVQ   R12, R14
	MOVQ   R9, BX

nk32:
	CMPQ        BX, $128
	JLT         nk8
	VMOVUPS     (AX), Y4
	VFMADD231PS (R14), Y4, Y0
	VMOVUPS     32(AX), Y5
	VFMADD231PS 32(R14), Y5, Y1
	VMOVUPS     64(AX), Y6
	VFMADD231PS 64(R14), Y6, Y2
	VMOVUPS     96(AX), Y7
	VFMADD231PS 96(R14), Y7, Y3
	ADDQ        $128, AX
	ADDQ        $128, R14
	SUBQ        $128, BX
	JMP         nk32

nk8:
	CMPQ        BX, $32
	JLT         nsum
	VMOVUPS     (AX), Y4
	VFMADD231PS (R14), Y4, Y0
	ADDQ        $32, AX
	ADDQ        $32, R14
	SUBQ        $32, BX
	JMP         nk8

nsum:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	TESTQ        CX, CX
	JZ           nstore
	VADDSS       (CX)(R11*4), X0, X0

nstore:
	VMOVSS X0, (DI)(R11*4)
	INCQ   R11
	ADDQ   R9, R12
	JMP    ncol

nrowdone:
	ADDQ R9, SI
	LEAQ (DI)(R10*4), DI
	DECQ R8
	JMP  nrow

nend:
	VZEROUPPER
	RET

// func reluAVX2(y, dy, x *float32, n int)
//
// y[i] = x[i] if x[i] > 0 else 0, and dy[i] = 1 if x[i] > 0 else 0, for
// i < n (n a multiple of 8); NaN gives 0 and 0, as in the scalar loop.
TEXT ·reluAVX2(SB), NOSPLIT, $0-32
	MOVQ    y+0(FP), DI
	MOVQ    dy+8(FP), DX
	MOVQ    x+16(FP), SI
	MOVQ    n+24(FP), CX
	VXORPS  Y3, Y3, Y3
	VMOVUPS reluOne<>(SB), Y4

rl:
	CMPQ    CX, $8
	JLT     rdone2
	VMOVUPS (SI), Y0
	VCMPPS  $0x1e, Y3, Y0, Y1 // x > 0 (ordered, quiet): false for NaN
	VANDPS  Y0, Y1, Y2        // x where x > 0, else +0
	VMOVUPS Y2, (DI)
	VANDPS  Y4, Y1, Y2        // 1 where x > 0, else 0
	VMOVUPS Y2, (DX)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     rl

rdone2:
	VZEROUPPER
	RET

DATA reluOne<>+0(SB)/4, $0x3f800000
DATA reluOne<>+4(SB)/4, $0x3f800000
DATA reluOne<>+8(SB)/4, $0x3f800000
DATA reluOne<>+12(SB)/4, $0x3f800000
DATA reluOne<>+16(SB)/4, $0x3f800000
DATA reluOne<>+20(SB)/4, $0x3f800000
DATA reluOne<>+24(SB)/4, $0x3f800000
DATA reluOne<>+28(SB)/4, $0x3f800000
GLOBL reluOne<>(SB), RODATA|NOPTR, $32
