// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The threadcreate kind: one record per task created on the machine (a thread
 * by pthread_create, a process by fork), with the creator's kernel and user
 * stacks, weighing 1.
 *
 * It runs at tp_btf/sched_process_fork, which copy_process() fires in the
 * creating task once the child exists: the creator is current, inside its
 * clone/fork syscall, so its user registers are the ones saved at the
 * syscall and the user stack is the creating call's (clone3 <- pthread_create
 * <- the caller), walked as for any current task (record.bpf.h). The kernel
 * stack is the clone path (kernel_clone <- __do_sys_clone3 <- ...), without
 * the two frames of the tracepoint's call into this program (bpf_prog_*,
 * bpf_trace_run2), which bpf_get_stack() from a tp_btf program starts with
 * and which would be the same on every record. The tracepoint exists on every kernel with BTF and
 * needs neither kprobes nor trampolines, which this project's CI kernel lacks.
 *
 * The record's flags say whether the new task is a thread of its creator's
 * process (CLONE_THREAD: the child's tgid is the creator's) or a new process.
 * Kernel threads are created by kthreadd, which has no user stack: their
 * records say so (PROFBUFD_STACK_KERNEL_THREAD). Nothing is kept between
 * events, so the only loss is the shared ring's (counted by
 * profbufd_reserve()).
 */
#include "record.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* bpf_prog_<tag>_on_fork and bpf_trace_run2 (see top). */
#define THREADCREATE_SKIP_FRAMES 2

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!profbufd_wanted(tgid))
		return 0;
	struct profbufd_counters *c;
	struct profbufd_sample *s = profbufd_reserve(PROFBUFD_KIND_THREADCREATE, &c);
	if (!s)
		return 0;
	__u16 flags = BPF_CORE_READ(child, tgid) == BPF_CORE_READ(parent, tgid)
			      ? PROFBUFD_CREATED_THREAD
			      : 0;
	profbufd_fill_header(s, PROFBUFD_KIND_THREADCREATE, 1, flags);
	struct profbufd_record *h = &s->hdr;
	__u16 kframes = profbufd_kernel_result(
		h, bpf_get_stack(ctx, s->frames, PROFBUFD_STACK_BYTES,
				 THREADCREATE_SKIP_FRAMES & BPF_F_SKIP_FIELD_MASK));
	profbufd_collect_user(ctx, s, kframes);
	profbufd_submit(s, c);
	return 0;
}
