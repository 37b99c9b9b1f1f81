//go:build amd64 && !purego

#include "textflag.h"

// func tanhAVX2(y, dy, x *float32, n int)
//
// y[i] = Tanh32(x[i]) for i < n (n a multiple of 8), and dy[i] = 1 − y[i]²
// when dy is not nil. The operations are Tanh32's, in its order: clamp to
// ±tanhClamp, the same Horner steps as separate multiplies and adds (no fused
// multiply-add), one division, and x itself where |x| < 4e-4. NaN inputs
// propagate (x is the second source of VMAXPS and VMINPS).
TEXT ·tanhAVX2(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	VMOVUPS tanhClampV<>(SB), Y8
	VMOVUPS tanhNegClampV<>(SB), Y9
	VMOVUPS absMaskV<>(SB), Y10
	VMOVUPS tanhSmallV<>(SB), Y11
	VMOVUPS oneV<>(SB), Y12

loop:
	CMPQ CX, $8
	JLT  done
	VMOVUPS (SI), Y0
	VMAXPS  Y0, Y9, Y1            // max(−c, x), NaN x kept
	VMINPS  Y1, Y8, Y1            // min(c, ·), NaN kept
	VANDPS  Y10, Y1, Y6           // |x|
	VCMPPS  $0x11, Y11, Y6, Y6    // |x| < 4e-4 (ordered, quiet)
	VMULPS  Y1, Y1, Y2            // x²
	VMULPS  tanhA13V<>(SB), Y2, Y3
	VADDPS  tanhA11V<>(SB), Y3, Y3
	VMULPS  Y2, Y3, Y3
	VADDPS  tanhA9V<>(SB), Y3, Y3
	VMULPS  Y2, Y3, Y3
	VADDPS  tanhA7V<>(SB), Y3, Y3
	VMULPS  Y2, Y3, Y3
	VADDPS  tanhA5V<>(SB), Y3, Y3
	VMULPS  Y2, Y3, Y3
	VADDPS  tanhA3V<>(SB), Y3, Y3
	VMULPS  Y2, Y3, Y3
	VADDPS  tanhA1V<>(SB), Y3, Y3
	VMULPS  Y1, Y3, Y3            // p·x
	VMULPS  tanhB6V<>(SB), Y2, Y4
	VADDPS  tanhB4V<>(SB), Y4, Y4
	VMULPS  Y2, Y4, Y4
	VADDPS  tanhB2V<>(SB), Y4, Y4
	VMULPS  Y2, Y4, Y4
	VADDPS  tanhB0V<>(SB), Y4, Y4
	VDIVPS  Y4, Y3, Y5            // p/q
	VBLENDVPS Y6, Y1, Y5, Y5      // x where |x| is small
	VMOVUPS Y5, (DI)
	TESTQ   DX, DX
	JZ      next
	VMULPS  Y5, Y5, Y7
	VSUBPS  Y7, Y12, Y7           // 1 − y²
	VMOVUPS Y7, (DX)
	ADDQ    $32, DX

next:
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  loop

done:
	VZEROUPPER
	RET

DATA tanhClampV<>+0(SB)/4, $0x40fcf84f
DATA tanhClampV<>+4(SB)/4, $0x40fcf84f
DATA tanhClampV<>+8(SB)/4, $0x40fcf84f
DATA tanhClampV<>+12(SB)/4, $0x40fcf84f
DATA tanhClampV<>+16(SB)/4, $0x40fcf84f
DATA tanhClampV<>+20(SB)/4, $0x40fcf84f
DATA tanhClampV<>+24(SB)/4, $0x40fcf84f
DATA tanhClampV<>+28(SB)/4, $0x40fcf84f
GLOBL tanhClampV<>(SB), RODATA|NOPTR, $32

DATA tanhNegClampV<>+0(SB)/4, $0xc0fcf84f
DATA tanhNegClampV<>+4(SB)/4, $0xc0fcf84f
DATA tanhNegClampV<>+8(SB)/4, $0xc0fcf84f
DATA tanhNegClampV<>+12(SB)/4, $0xc0fcf84f
DATA tanhNegClampV<>+16(SB)/4, $0xc0fcf84f
DATA tanhNegClampV<>+20(SB)/4, $0xc0fcf84f
DATA tanhNegClampV<>+24(SB)/4, $0xc0fcf84f
DATA tanhNegClampV<>+28(SB)/4, $0xc0fcf84f
GLOBL tanhNegClampV<>(SB), RODATA|NOPTR, $32

DATA tanhSmallV<>+0(SB)/4, $0x39d1b717
DATA tanhSmallV<>+4(SB)/4, $0x39d1b717
DATA tanhSmallV<>+8(SB)/4, $0x39d1b717
DATA tanhSmallV<>+12(SB)/4, $0x39d1b717
DATA tanhSmallV<>+16(SB)/4, $0x39d1b717
DATA tanhSmallV<>+20(SB)/4, $0x39d1b717
DATA tanhSmallV<>+24(SB)/4, $0x39d1b717
DATA tanhSmallV<>+28(SB)/4, $0x39d1b717
GLOBL tanhSmallV<>(SB), RODATA|NOPTR, $32

DATA tanhA1V<>+0(SB)/4, $0x3ba059dc
DATA tanhA1V<>+4(SB)/4, $0x3ba059dc
DATA tanhA1V<>+8(SB)/4, $0x3ba059dc
DATA tanhA1V<>+12(SB)/4, $0x3ba059dc
DATA tanhA1V<>+16(SB)/4, $0x3ba059dc
DATA tanhA1V<>+20(SB)/4, $0x3ba059dc
DATA tanhA1V<>+24(SB)/4, $0x3ba059dc
DATA tanhA1V<>+28(SB)/4, $0x3ba059dc
GLOBL tanhA1V<>(SB), RODATA|NOPTR, $32

DATA tanhA3V<>+0(SB)/4, $0x3a270ded
DATA tanhA3V<>+4(SB)/4, $0x3a270ded
DATA tanhA3V<>+8(SB)/4, $0x3a270ded
DATA tanhA3V<>+12(SB)/4, $0x3a270ded
DATA tanhA3V<>+16(SB)/4, $0x3a270ded
DATA tanhA3V<>+20(SB)/4, $0x3a270ded
DATA tanhA3V<>+24(SB)/4, $0x3a270ded
DATA tanhA3V<>+28(SB)/4, $0x3a270ded
GLOBL tanhA3V<>(SB), RODATA|NOPTR, $32

DATA tanhA5V<>+0(SB)/4, $0x3779434a
DATA tanhA5V<>+4(SB)/4, $0x3779434a
DATA tanhA5V<>+8(SB)/4, $0x3779434a
DATA tanhA5V<>+12(SB)/4, $0x3779434a
DATA tanhA5V<>+16(SB)/4, $0x3779434a
DATA tanhA5V<>+20(SB)/4, $0x3779434a
DATA tanhA5V<>+24(SB)/4, $0x3779434a
DATA tanhA5V<>+28(SB)/4, $0x3779434a
GLOBL tanhA5V<>(SB), RODATA|NOPTR, $32

DATA tanhA7V<>+0(SB)/4, $0x335c0041
DATA tanhA7V<>+4(SB)/4, $0x335c0041
DATA tanhA7V<>+8(SB)/4, $0x335c0041
DATA tanhA7V<>+12(SB)/4, $0x335c0041
DATA tanhA7V<>+16(SB)/4, $0x335c0041
DATA tanhA7V<>+20(SB)/4, $0x335c0041
DATA tanhA7V<>+24(SB)/4, $0x335c0041
DATA tanhA7V<>+28(SB)/4, $0x335c0041
GLOBL tanhA7V<>(SB), RODATA|NOPTR, $32

DATA tanhA9V<>+0(SB)/4, $0xaebd37ff
DATA tanhA9V<>+4(SB)/4, $0xaebd37ff
DATA tanhA9V<>+8(SB)/4, $0xaebd37ff
DATA tanhA9V<>+12(SB)/4, $0xaebd37ff
DATA tanhA9V<>+16(SB)/4, $0xaebd37ff
DATA tanhA9V<>+20(SB)/4, $0xaebd37ff
DATA tanhA9V<>+24(SB)/4, $0xaebd37ff
DATA tanhA9V<>+28(SB)/4, $0xaebd37ff
GLOBL tanhA9V<>(SB), RODATA|NOPTR, $32

DATA tanhA11V<>+0(SB)/4, $0x2a61337e
DATA tanhA11V<>+4(SB)/4, $0x2a61337e
DATA tanhA11V<>+8(SB)/4, $0x2a61337e
DATA tanhA11V<>+12(SB)/4, $0x2a61337e
DATA tanhA11V<>+16(SB)/4, $0x2a61337e
DATA tanhA11V<>+20(SB)/4, $0x2a61337e
DATA tanhA11V<>+24(SB)/4, $0x2a61337e
DATA tanhA11V<>+28(SB)/4, $0x2a61337e
GLOBL tanhA11V<>(SB), RODATA|NOPTR, $32

DATA tanhA13V<>+0(SB)/4, $0xa59f25c0
DATA tanhA13V<>+4(SB)/4, $0xa59f25c0
DATA tanhA13V<>+8(SB)/4, $0xa59f25c0
DATA tanhA13V<>+12(SB)/4, $0xa59f25c0
DATA tanhA13V<>+16(SB)/4, $0xa59f25c0
DATA tanhA13V<>+20(SB)/4, $0xa59f25c0
DATA tanhA13V<>+24(SB)/4, $0xa59f25c0
DATA tanhA13V<>+28(SB)/4, $0xa59f25c0
GLOBL tanhA13V<>(SB), RODATA|NOPTR, $32

DATA tanhB0V<>+0(SB)/4, $0x3ba059dd
DATA tanhB0V<>+4(SB)/4, $0x3ba059dd
DATA tanhB0V<>+8(SB)/4, $0x3ba059dd
DATA tanhB0V<>+12(SB)/4, $0x3ba059dd
DATA tanhB0V<>+16(SB)/4, $0x3ba059dd
DATA tanhB0V<>+20(SB)/4, $0x3ba059dd
DATA tanhB0V<>+24(SB)/4, $0x3ba059dd
DATA tanhB0V<>+28(SB)/4, $0x3ba059dd
GLOBL tanhB0V<>(SB), RODATA|NOPTR, $32

DATA tanhB2V<>+0(SB)/4, $0x3b14aa05
DATA tanhB2V<>+4(SB)/4, $0x3b14aa05
DATA tanhB2V<>+8(SB)/4, $0x3b14aa05
DATA tanhB2V<>+12(SB)/4, $0x3b14aa05
DATA tanhB2V<>+16(SB)/4, $0x3b14aa05
DATA tanhB2V<>+20(SB)/4, $0x3b14aa05
DATA tanhB2V<>+24(SB)/4, $0x3b14aa05
DATA tanhB2V<>+28(SB)/4, $0x3b14aa05
GLOBL tanhB2V<>(SB), RODATA|NOPTR, $32

DATA tanhB4V<>+0(SB)/4, $0x38f895d6
DATA tanhB4V<>+4(SB)/4, $0x38f895d6
DATA tanhB4V<>+8(SB)/4, $0x38f895d6
DATA tanhB4V<>+12(SB)/4, $0x38f895d6
DATA tanhB4V<>+16(SB)/4, $0x38f895d6
DATA tanhB4V<>+20(SB)/4, $0x38f895d6
DATA tanhB4V<>+24(SB)/4, $0x38f895d6
DATA tanhB4V<>+28(SB)/4, $0x38f895d6
GLOBL tanhB4V<>(SB), RODATA|NOPTR, $32

DATA tanhB6V<>+0(SB)/4, $0x35a0d3d8
DATA tanhB6V<>+4(SB)/4, $0x35a0d3d8
DATA tanhB6V<>+8(SB)/4, $0x35a0d3d8
DATA tanhB6V<>+12(SB)/4, $0x35a0d3d8
DATA tanhB6V<>+16(SB)/4, $0x35a0d3d8
DATA tanhB6V<>+20(SB)/4, $0x35a0d3d8
DATA tanhB6V<>+24(SB)/4, $0x35a0d3d8
DATA tanhB6V<>+28(SB)/4, $0x35a0d3d8
GLOBL tanhB6V<>(SB), RODATA|NOPTR, $32

DATA oneV<>+0(SB)/4, $0x3f800000
DATA oneV<>+4(SB)/4, $0x3f800000
DATA oneV<>+8(SB)/4, $0x3f800000
DATA oneV<>+12(SB)/4, $0x3f800000
DATA oneV<>+16(SB)/4, $0x3f800000
DATA oneV<>+20(SB)/4, $0x3f800000
DATA oneV<>+24(SB)/4, $0x3f800000
DATA oneV<>+28(SB)/4, $0x3f800000
GLOBL oneV<>(SB), RODATA|NOPTR, $32

DATA absMaskV<>+0(SB)/4, $0x7fffffff
DATA absMaskV<>+4(SB)/4, $0x7fffffff
DATA absMaskV<>+8(SB)/4, $0x7fffffff
DATA absMaskV<>+12(SB)/4, $0x7fffffff
DATA absMaskV<>+16(SB)/4, $0x7fffffff
DATA absMaskV<>+20(SB)/4, $0x7fffffff
DATA absMaskV<>+24(SB)/4, $0x7fffffff
DATA absMaskV<>+28(SB)/4, $0x7fffffff
GLOBL absMaskV<>(SB), RODATA|NOPTR, $32
