// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The goroutine kind: a snapshot of every thread on the machine, one record
 * per thread with its kernel and user stacks and its state, weighing 1.
 *
 * It is a sleepable task iterator (iter.s/task): userspace creates an
 * iterator from its link and read()s it to the end (kinds/goroutine/), and
 * the kernel calls this program once per task, in the reading thread. So
 * "current" is profbufd's own thread, never the task recorded: the header is
 * filled from ctx->task (record.bpf.h's helpers read the current task), and
 * the kernel filters are judged on its tgid and its cgroup: a sleepable
 * program may not use the CGROUP_ARRAY map (nor would "current" be the
 * task), so the cgroup filter is the filtered cgroups' ids
 * (cgroup_filter_ids, record.bpf.h) compared with those of the task's
 * cgroup and its ancestors.
 *
 * Stacks of another task:
 *   - kernel: bpf_get_task_stack() from the task's saved kernel stack. A task
 *     running on another CPU at that instant has none to walk (the unwinder
 *     refuses it): its kernel stack is empty, as a tick in user mode's is.
 *   - user: the kernel refuses BPF_F_USER_STACK for a task other than
 *     current, so the walk starts from the registers saved at the task's
 *     last entry into the kernel (bpf_task_pt_regs) and reads the task's
 *     memory with bpf_copy_from_user_task (which may fault pages in: the
 *     reason this program is sleepable). With --unwind=auto|dwarf that is
 *     the shared table walker (unwind.bpf.h, its reads made
 *     bpf_copy_from_user_task by UW_READ_USER below; its per-CPU scratch is
 *     this object's, and one snapshot runs at a time, so a walk preempted
 *     while it sleeps meets no other on its CPU). With --unwind=fp it is
 *     goroutine_user(): frame pointers, ending silently where the chain
 *     does, as bpf_get_stack's walk. Python frames are not walked (the
 *     Python walker reads current's memory). A thread running in user mode
 *     at that instant is recorded where it last entered the kernel (a tick
 *     at most 1/HZ ago).
 *
 * Flow control: the ring holds half a second of the other kinds' records,
 * far fewer than a machine's threads. For each thread kept the program writes
 * one __u64 to the iterator's reader (PROFBUFD_GOROUTINE_DROPPED, profbufd.h),
 * so that a read() of N words visits threads until N are kept: userspace
 * reads a batch at a time and lets the pipeline take it before the next
 * (kinds/goroutine/). A record that still finds the ring full is dropped
 * and counted like any kind's.
 */
/* The table walker reads the walked task's memory, not current's (unwind.bpf.h). */
#define UW_READ_USER(dst, size, src, task) bpf_copy_from_user_task(dst, size, src, task, 0)
#include "record.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define GOROUTINE_PF_KTHREAD 0x00200000 /* include/linux/sched.h */
#define GOROUTINE_TASK_REPORT 0x7f	/* the state bits ps reports */
#define GOROUTINE_TASK_IDLE 0x402	/* TASK_UNINTERRUPTIBLE | TASK_NOLOAD */
/* Cgroup levels compared with the filter's; a task deeper than this below
 * a filtered cgroup is not kept. */
#define GOROUTINE_CGROUP_DEPTH 32

/* The kernel's task_state_index(): enum profbufd_task_state. */
static __always_inline __u16 goroutine_state(struct task_struct *task)
{
	__u32 st = BPF_CORE_READ(task, __state);
	__u32 bits = (st | BPF_CORE_READ(task, exit_state)) & GOROUTINE_TASK_REPORT;
	if ((st & GOROUTINE_TASK_IDLE) == GOROUTINE_TASK_IDLE)
		return PROFBUFD_TASK_IDLE;
	for (int b = 6; b >= 0; b--)
		if (bits & (1u << b))
			return b + 1; /* fls() */
	return PROFBUFD_TASK_RUNNING;
}

/* Whether `task`'s cgroup v2, or one above it, is among the first `n` of
 * cgroup_filter_ids. */
static __always_inline bool goroutine_under_cgroups(struct task_struct *task, __u32 n)
{
	__u64 ids[PROFBUFD_MAX_CGROUPS] = {};
	for (__u32 i = 0; i < PROFBUFD_MAX_CGROUPS && i < n; i++) {
		__u32 k = i;
		__u64 *id = bpf_map_lookup_elem(&cgroup_filter_ids, &k);
		if (id)
			ids[i] = *id;
	}
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	for (int depth = 0; depth < GOROUTINE_CGROUP_DEPTH && cg; depth++) {
		__u64 id = BPF_CORE_READ(cg, kn, id);
		for (__u32 i = 0; i < PROFBUFD_MAX_CGROUPS && i < n; i++)
			if (ids[i] == id)
				return true;
		struct cgroup_subsys_state *parent = BPF_CORE_READ(cg, self.parent);
		cg = parent ? BPF_CORE_READ(parent, cgroup) : 0;
	}
	return false;
}

/* The kernel filters (record.bpf.h's profbufd_wanted), judged on `task`. */
static __always_inline bool goroutine_wanted(struct task_struct *task)
{
	__u32 zero = 0, tgid = task->tgid;
	struct profbufd_settings *st = bpf_map_lookup_elem(&settings, &zero);
	if (!st || !st->filters)
		return true;
	if ((st->filters & PROFBUFD_FILTER_PIDS) && bpf_map_lookup_elem(&pids, &tgid))
		return true;
	return (st->filters & PROFBUFD_FILTER_CGROUPS) && goroutine_under_cgroups(task, st->cgroups);
}

static __always_inline void goroutine_header(struct profbufd_sample *s, struct task_struct *task)
{
	struct profbufd_record *h = &s->hdr;
	h->time_ns = bpf_ktime_get_ns();
	h->value = 1;
	h->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	h->pid = BPF_CORE_READ(task, tgid);
	h->tid = BPF_CORE_READ(task, pid);
	/* The reading CPU: records go to the ProfBuf of the CPU they came from. */
	h->cpu = bpf_get_smp_processor_id();
	h->kind = PROFBUFD_KIND_GOROUTINE;
	h->flags = goroutine_state(task);
	__builtin_memset(h->pad, 0, sizeof(h->pad));
	bpf_probe_read_kernel_str(h->comm, sizeof(h->comm), task->comm);
	h->user_frames = 0;
	h->user_err = 0;
	h->python_frames = 0;
	h->python_status = PY_END_NONE;
}

/* The user stack by frame pointers (--unwind=fp), behind `kframes` kernel
 * frames (top). */
static __always_inline void goroutine_user(struct profbufd_sample *s, struct task_struct *task,
					   __u16 kframes)
{
	struct profbufd_record *h = &s->hdr;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 ip = BPF_CORE_READ(regs, ip), bp = BPF_CORE_READ(regs, bp);
	__u8 status = PROFBUFD_STACK_TRUNCATED_DEPTH;
	__u32 n = 0;

	if (!ip) {
		h->user_status = PROFBUFD_STACK_EMPTY;
		return;
	}
	for (__u32 i = 0; i < PROFBUFD_MAX_FRAMES; i++) {
		__u32 at = kframes + i;
		if (at >= 2 * PROFBUFD_MAX_FRAMES)
			break;
		s->frames[at] = ip;
		n = i + 1;
		__u64 pair[2]; /* the saved frame pointer, the return address */
		if (!bp || (bp & 7) ||
		    bpf_copy_from_user_task(pair, sizeof(pair), (void *)bp, task, 0) ||
		    !pair[1]) {
			status = PROFBUFD_STACK_OK;
			break;
		}
		ip = pair[1];
		bp = pair[0] > bp ? pair[0] : 0;
	}
	h->user_frames = n;
	h->user_status = status;
}

SEC("iter.s/task")
int snapshot(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	if (!goroutine_wanted(task))
		return 0;
	struct profbufd_counters *c;
	__u64 out = PROFBUFD_GOROUTINE_DROPPED;
	struct profbufd_sample *s = profbufd_reserve(PROFBUFD_KIND_GOROUTINE, &c);
	if (!s) {
		bpf_seq_write(ctx->meta->seq, &out, sizeof(out));
		return 0;
	}
	goroutine_header(s, task);
	struct profbufd_record *h = &s->hdr;
	__u16 kframes = profbufd_kernel_result(
		h, bpf_get_task_stack(task, s->frames, PROFBUFD_STACK_BYTES, 0));
	if (task->flags & GOROUTINE_PF_KTHREAD)
		h->user_status = PROFBUFD_STACK_KERNEL_THREAD;
	else if (!task->mm)
		h->user_status = PROFBUFD_STACK_NOT_COLLECTED; /* exiting: no memory left */
	else if (unwind_mode != 0)
		profbufd_walk_user(s, kframes, task);
	else
		goroutine_user(s, task, kframes);
	profbufd_submit(s, c);
	out = bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA);
	bpf_seq_write(ctx->meta->seq, &out, sizeof(out));
	return 0;
}
