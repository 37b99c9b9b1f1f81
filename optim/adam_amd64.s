//go:build amd64 && !purego

#include "textflag.h"

// func adamAVX2(th, grad, mom, vel *float32, k *[7]float32, n int)
//
// For i < n (n a multiple of 8), with k = (b1, ob1, b2, ob2, stepSize,
// invSqrtBc2, eps): m = b1·m + ob1·g; v = b2·v + (ob2·g)·g;
// th −= (stepSize·m) / (√v·invSqrtBc2 + eps), every operation rounded as
// in the scalar loop (IEEE sqrt and division, no fused multiply-add).
TEXT ·adamAVX2(SB), NOSPLIT, $0-48
	MOVQ         th+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         mom+16(FP), R8
	MOVQ         vel+24(FP), R9
	MOVQ         k+32(FP), AX
	MOVQ         n+40(FP), CX
	VBROADCASTSS 0(AX), Y8   // b1
	VBROADCASTSS 4(AX), Y9   // 1 − b1
	VBROADCASTSS 8(AX), Y10  // b2
	VBROADCASTSS 12(AX), Y11 // 1 − b2
	VBROADCASTSS 16(AX), Y12 // stepSize
	VBROADCASTSS 20(AX), Y13 // 1/√bc2
	VBROADCASTSS 24(AX), Y14 // eps

loop:
	CMPQ    CX, $8
	JLT     done
	VMOVUPS (SI), Y0      // g
	VMULPS  (R8), Y8, Y1  // b1·m
	VMULPS  Y0, Y9, Y2    // ob1·g
	VADDPS  Y2, Y1, Y1    // m
	VMOVUPS Y1, (R8)
	VMULPS  Y0, Y11, Y3   // ob2·g
	VMULPS  Y0, Y3, Y3    // ob2·g·g
	VMULPS  (R9), Y10, Y4 // b2·v
	VADDPS  Y3, Y4, Y4    // v
	VMOVUPS Y4, (R9)
	VSQRTPS Y4, Y5
	VMULPS  Y13, Y5, Y5   // √v·invSqrtBc2
	VADDPS  Y14, Y5, Y5   // + eps
	VMULPS  Y1, Y12, Y6   // stepSize·m
	VDIVPS  Y5, Y6, Y6
	VMOVUPS (DI), Y7
	VSUBPS  Y6, Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET

// func polyakAVX2(d, x *float32, t, o float32, n int)
//
// d[i] = t·x[i] + o·d[i] for i < n (n a multiple of 8), each product and
// the sum rounded as in the scalar loop.
TEXT ·polyakAVX2(SB), NOSPLIT, $0-32
	MOVQ         d+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS t+16(FP), Y8
	VBROADCASTSS o+20(FP), Y9
	MOVQ         n+24(FP), CX

ploop:
	CMPQ    CX, $8
	JLT     pdone
	VMULPS  (SI), Y8, Y0
	VMULPS  (DI), Y9, Y1
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     ploop

pdone:
	VZEROUPPER
	RET

// func sumSqAVX2(a *float32, n int) float64
//
// Σ a_i² for n a positive multiple of 16: element i is widened to float64
// and fused into lane i mod 16 (Y0 holds lanes 0…3, Y1 4…7, Y2 8…11, Y3
// 12…15); then (Y0 + Y1) + (Y2 + Y3), the upper half added to the lower,
// and the two remaining lanes added: sumSqLanes's order.
TEXT ·sumSqAVX2(SB), NOSPLIT, $0-24
	MOVQ   a+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

sqloop:
	VCVTPS2PD   (SI), Y4
	VCVTPS2PD   16(SI), Y5
	VCVTPS2PD   32(SI), Y6
	VCVTPS2PD   48(SI), Y7
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	VFMADD231PD Y6, Y6, Y2
	VFMADD231PD Y7, Y7, Y3
	ADDQ        $64, SI
	SUBQ        $16, CX
	JNZ         sqloop

	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VPERMILPD    $1, X0, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, ret+16(FP)
	VZEROUPPER
	RET
