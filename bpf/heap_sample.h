/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The heap kind's sampling interval, in plain C shared by bpf/heap.bpf.c and
 * its unit test (tests/userspace/kinds/heap/), so that the arithmetic the BPF
 * program runs is the one that is tested.
 *
 * As Go's runtime does (mfixalloc.go's nextSample / fastexprand), each thread
 * counts down the bytes to its next sample, and each new countdown is drawn
 * from an exponential distribution of mean `rate`: the sample points then
 * form a Poisson process over the bytes allocated, one per `rate` bytes on
 * average, so an allocation of `size` bytes is sampled with probability
 * 1 - exp(-size/rate), which is what the profile's scaling undoes
 * (kinds/heap/heap_scale.h).
 *
 * The draw is -ln(U) * rate for U uniform in (0, 1], with U = (u + 1) / 2^32
 * for a random 32-bit u: -ln(U) = (32 - log2(u + 1)) * ln 2. log2 is fixed
 * point (16 fraction bits): the integer part by a binary search for the top
 * bit, the fraction from a 17-entry table of log2(1 + i/16) with linear
 * interpolation between entries (error at most 0.0007 in log2, so each
 * interval is off by at most 0.0005 rate: the mean stays the rate within
 * 0.1%). No floating point: BPF has none.
 */
#ifndef PROFBUFD_BPF_HEAP_SAMPLE_H
#define PROFBUFD_BPF_HEAP_SAMPLE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define HEAP_LN2_Q16 45426ULL /* ln 2 * 2^16 */

/* log2(1 + i/16) * 2^16, i = 0..16. */
static const __u32 heap_log2_table[17] = {
	0,     5732,  11136, 16248, 21098, 25711, 30109, 34312, 38336,
	42196, 45904, 49472, 52911, 56229, 59434, 62534, 65536,
};

/* log2(x) * 2^16 for 1 <= x <= 2^32. */
static inline __u64 heap_log2_q16(__u64 x)
{
	__u64 e = 0;
	if (x >> 32) { e += 32; x >>= 32; } /* only x == 2^32 */
	if (x >> 16) { e += 16; x >>= 16; }
	if (x >> 8) { e += 8; x >>= 8; }
	if (x >> 4) { e += 4; x >>= 4; }
	if (x >> 2) { e += 2; x >>= 2; }
	if (x >> 1) { e += 1; }
	return e << 16;
}

/* The fraction: m holds the bits below the top bit of the original x, as a
 * Q32 fraction in [0, 1). */
static inline __u64 heap_log2_frac_q16(__u64 m_q32)
{
	__u32 i = (__u32)(m_q32 >> 28) & 15;         /* which sixteenth */
	__u64 within = (m_q32 >> 12) & 0xffff;        /* position in it, Q16 */
	__u64 lo = heap_log2_table[i], hi = heap_log2_table[i + 1];
	return lo + (((hi - lo) * within) >> 16);
}

/* Bytes to the next sample for the random word u: exponential of mean rate. */
static inline __u64 heap_next_sample(__u32 u, __u64 rate)
{
	__u64 x = (__u64)u + 1; /* 1 .. 2^32 */
	__u64 whole = heap_log2_q16(x);
	__u64 top = whole >> 16;
	__u64 m_q32 = top >= 32 ? 0 : ((x << (32 - top)) & 0xffffffffULL);
	__u64 log2x = whole + heap_log2_frac_q16(m_q32);
	__u64 neg_ln_q16 = (((32ULL << 16) - log2x) * HEAP_LN2_Q16) >> 16;
	return (neg_ln_q16 * rate) >> 16;
}

#endif /* PROFBUFD_BPF_HEAP_SAMPLE_H */
