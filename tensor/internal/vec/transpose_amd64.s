//go:build amd64 && !purego

#include "textflag.h"

// func transpose8AVX2(dst, src *float32, nblk, lddst, ldsrc int)
//
// nblk 8×8 blocks side by side: block b reads the 8×8 block at src + 32b
// bytes (8 rows, row stride ldsrc bytes) and writes its transpose at dst +
// 8b·lddst bytes (8 rows, row stride lddst bytes). nblk ≥ 1.
TEXT ·transpose8AVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nblk+16(FP), CX
	MOVQ lddst+24(FP), R8
	MOVQ ldsrc+32(FP), R9
	LEAQ (R9)(R9*2), R10
	LEAQ (R8)(R8*2), R11

tloop:
	LEAQ    (SI)(R9*4), BX
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R9*1), Y1
	VMOVUPS (SI)(R9*2), Y2
	VMOVUPS (SI)(R10*1), Y3
	VMOVUPS (BX), Y4
	VMOVUPS (BX)(R9*1), Y5
	VMOVUPS (BX)(R9*2), Y6
	VMOVUPS (BX)(R10*1), Y7

	// Interleave pairs of rows: Y8 = a0 b0 a1 b1 | a4 b4 a5 b5, …
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	// Quadruples: Y0 = a0 b0 c0 d0 | a4 b4 c4 d4, …
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	// Join the 128-bit halves: Y8 = a0 … h0, …
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	LEAQ    (DI)(R8*4), DX
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R8*1)
	VMOVUPS Y10, (DI)(R8*2)
	VMOVUPS Y11, (DI)(R11*1)
	VMOVUPS Y12, (DX)
	VMOVUPS Y13, (DX)(R8*1)
	VMOVUPS Y14, (DX)(R8*2)
	VMOVUPS Y15, (DX)(R11*1)

	ADDQ $32, SI
	LEAQ (DX)(R8*4), DI
	DECQ CX
	JNZ  tloop
	VZEROUPPER
	RET

// func copyPanelAVX2(dst, src *float32, k, ldsrc int)
//
// Copies k rows of 16 values, src row j at src + j·ldsrc bytes, to dst
// packed (16 values per row). k ≥ 1.
TEXT ·copyPanelAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ k+16(FP), CX
	MOVQ ldsrc+24(FP), R8

cloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     cloop
	VZEROUPPER
	RET
