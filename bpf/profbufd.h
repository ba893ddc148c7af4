/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of what crosses from the BPF program to userspace.
 * Included by bpf/profbufd.bpf.c (with vmlinux.h) and by the C++ loader (with
 * <linux/types.h>); userspace static_asserts the sizes below.
 */
#ifndef PROFBUFD_BPF_PROFBUFD_H
#define PROFBUFD_BPF_PROFBUFD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PROFBUFD_MAX_FRAMES 127 /* per stack: kernel and user each */
#define PROFBUFD_COMM_LEN 16

/* Why a stack holds no frames. */
enum profbufd_stack_status {
	PROFBUFD_STACK_OK = 0,           /* frames[] holds >= 1 frame */
	PROFBUFD_STACK_KERNEL_THREAD = 1, /* user stack: the task has no user space */
	PROFBUFD_STACK_EMPTY = 2,        /* the walker returned no frames */
	PROFBUFD_STACK_ERROR = 3,        /* bpf_get_stack failed; errno in *_err */
	PROFBUFD_STACK_NOT_COLLECTED = 4, /* not asked for (e.g. user stack of idle) */
};

/*
 * One sample, as the BPF program submits it to the ringbuf.
 * frames[] holds kernel_frames kernel addresses (leaf first), immediately followed
 * by user_frames user addresses (leaf first). Only the first
 * PROFBUFD_SAMPLE_HEADER_BYTES + 8 * (kernel_frames + user_frames) bytes are
 * meaningful.
 */
struct profbufd_sample {
	__u64 time_ns;  /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;      /* tgid; 0 for the idle task */
	__u32 tid;
	__u32 cpu;
	__u16 kernel_frames;
	__u16 user_frames;
	__s16 kernel_err; /* negative errno when kernel_status == ERROR, else 0 */
	__s16 user_err;
	__u8 kernel_status; /* enum profbufd_stack_status */
	__u8 user_status;
	__u8 pad[2];
	char comm[PROFBUFD_COMM_LEN];
	__u64 frames[2 * PROFBUFD_MAX_FRAMES];
};

#define PROFBUFD_SAMPLE_HEADER_BYTES 48

#endif /* PROFBUFD_BPF_PROFBUFD_H */
