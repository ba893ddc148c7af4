// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The block kind: off-CPU time. One record per blocking interval long enough
 * to count, weighing the nanoseconds the thread was off CPU, with the kernel
 * stack it blocked in and the user stack of the call that blocked.
 *
 *   sched_switch, prev blocks  -> blocked[tid] = {since = now, woken = 0}
 *   sched_switch, next was     -> woken = now; if sampled and now - since >=
 *     blocked                     min_block_ns: its kernel stack
 *                                 (bpf_get_task_stack: it sleeps, so its stack
 *                                 is still the one it blocked in) into this
 *                                 CPU's `pending` slot
 *   sys_exit of that thread    -> one record: the slot's kernel stack, the
 *     (now current)               user stack walked as for any current task
 *   sched_process_exit         -> blocked[tid] deleted
 *
 * Why the record is finished at the syscall's exit: the user stack can only be
 * walked in the thread's own context (bpf_get_stack and the table walker read
 * the current task's user memory and registers), and at sched_switch the
 * thread coming in is not current yet. The first point where it is, on
 * kernels without kprobes and BPF trampolines (this project's CI kernel has
 * neither, so no finish_task_switch kprobe nor fexit on schedule()), is the
 * exit of the syscall that blocked: its user registers are the ones saved at
 * the syscall, so the user stack is exactly the blocking call's. And the
 * interval is known at switch-in, so the minimum-time filter runs before any
 * unwinding: a short block costs a hash lookup and a store, never a walk or a
 * ring reservation; a syscall exit with nothing pending costs one per-CPU
 * array lookup and a compare.
 *
 * One pending slot per CPU: the thread switched in usually runs on that CPU
 * until its syscall returns. If it leaves the CPU first (preempted on the way
 * out), its block moves to a small hash (pending_moved) and back into the slot
 * of the CPU where it next runs. A block that cannot be kept (the hash is
 * full, the thread blocked again before returning, or it blocked outside a
 * syscall, in a page fault, and the next block on its CPU takes the slot) is
 * counted as unfinished (a lost sample). Kernel threads never return from a
 * syscall and have no user stack: they are not tracked.
 *
 * The entry stays in the map after the thread wakes (woken_ns set) until its
 * next block overwrites it or it exits, so that userspace, reading the map a
 * little after a window's end E, still sees who was blocked at E even when
 * the thread woke between E and the read (kinds/block/still_blocked.h).
 *
 * Blocked means leaving the CPU voluntarily in an interruptible or
 * uninterruptible sleep (TASK_INTERRUPTIBLE or TASK_UNINTERRUPTIBLE, D state
 * included); a preempted thread, one that yields, is stopped or is dying is
 * not blocked.
 */
#include "record.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Shorter blocks make no record (set between open and load). */
const volatile __u64 min_block_ns = 1000000;
/* A block is kept when bpf_get_prandom_u32() < sample_threshold: the sampling
 * probability times 2^32 (2^32: every block). */
const volatile __u64 sample_threshold = 1ULL << 32;

#define BLOCK_TASK_SLEEPING 0x0003 /* TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE */
#define BLOCK_TASK_DEAD 0x0080

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFBUFD_MAX_BLOCKED);
	__type(key, __u32);
	__type(value, struct profbufd_blocked);
} blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct profbufd_block_counters);
} block_counters SEC(".maps");

static __always_inline struct profbufd_block_counters *block_count(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&block_counters, &zero);
}

/* A recorded block waiting for its thread's syscall exit (one per CPU). */
struct block_pending {
	__u32 tid; /* 0: empty */
	__u16 kernel_frames;
	__u8 kernel_status;
	__u8 pad;
	__s16 kernel_err;
	__u16 pad2[3];
	__u64 off_ns;
	__u64 woken_ns;
	__u64 frames[PROFBUFD_MAX_FRAMES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct block_pending);
} pending SEC(".maps");

/*
 * Pending blocks of threads that left their CPU before their syscall returned
 * (preempted on the way out): moved here at that switch, back into the slot
 * of the CPU where they next run. moved_count says whether any are here, so
 * that a switch-in costs the hash lookup only then.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct block_pending);
} pending_moved SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} moved_count SEC(".maps");

/* prev leaves the CPU: a block of its still waiting for its syscall's exit
 * moves out of this CPU's slot. */
static __always_inline void pending_leave(struct block_pending *p, __u32 tid)
{
	if (p->tid == 0 || p->tid != tid)
		return;
	__u32 zero = 0;
	__s64 *moved = bpf_map_lookup_elem(&moved_count, &zero);
	if (moved && bpf_map_update_elem(&pending_moved, &tid, p, BPF_NOEXIST) == 0) {
		__sync_fetch_and_add(moved, 1);
	} else {
		struct profbufd_block_counters *bc = block_count();
		if (bc)
			bc->unfinished++;
	}
	p->tid = 0;
}

/* next comes on: its moved block, if any, into this CPU's slot. */
static __always_inline void pending_arrive(struct block_pending *p, __u32 tid)
{
	__u32 zero = 0;
	__s64 *moved = bpf_map_lookup_elem(&moved_count, &zero);
	if (!moved || *moved <= 0)
		return;
	struct block_pending *m = bpf_map_lookup_elem(&pending_moved, &tid);
	if (!m)
		return;
	if (p->tid != 0) {
		struct profbufd_block_counters *bc = block_count();
		if (bc)
			bc->unfinished++;
	}
	bpf_probe_read_kernel(p, sizeof(*p), m);
	bpf_map_delete_elem(&pending_moved, &tid);
	__sync_fetch_and_add(moved, -1);
}

/* `next` is back on CPU at `now`: ends its block, and keeps it for the
 * record when it was sampled and long enough. */
static __always_inline void block_end(struct block_pending *p, struct task_struct *next,
				      __u32 tid, __u64 now)
{
	struct profbufd_blocked *b = bpf_map_lookup_elem(&blocked, &tid);
	if (!b || b->woken_ns != 0)
		return;
	b->woken_ns = now;
	if (!b->sampled)
		return;
	__u64 off = now - b->since_ns;
	struct profbufd_block_counters *bc = block_count();
	if (off < min_block_ns) {
		if (bc)
			bc->too_short++;
		return;
	}
	if (p->tid != 0 && bc)
		bc->unfinished++;
	p->tid = tid;
	p->off_ns = off;
	p->woken_ns = now;
	long ret = bpf_get_task_stack(next, p->frames, sizeof(p->frames), 0);
	p->kernel_frames = profbufd_stack_result(ret, &p->kernel_status, &p->kernel_err);
}

/* prev is current here; next is about to run. */
SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	__u32 zero = 0;
	struct block_pending *p = bpf_map_lookup_elem(&pending, &zero);
	if (p) {
		__u32 next_tid = BPF_CORE_READ(next, pid);
		pending_leave(p, tid);
		pending_arrive(p, next_tid);
		block_end(p, next, next_tid, now);
	}

	if (tgid == 0 || !BPF_CORE_READ(prev, mm))
		return 0; /* the idle task never blocks; kernel threads: see top */
	if (preempt || !(prev_state & BLOCK_TASK_SLEEPING) || (prev_state & BLOCK_TASK_DEAD))
		return 0;
	if (!profbufd_wanted(tgid))
		return 0;
	struct profbufd_blocked b = {
		.since_ns = now,
		.cgroup_id = bpf_get_current_cgroup_id(),
		.pid = tgid,
		.sampled = sample_threshold > 0xffffffffULL ||
			   (__u64)bpf_get_prandom_u32() < sample_threshold,
	};
	bpf_get_current_comm(b.comm, sizeof(b.comm));
	if (bpf_map_update_elem(&blocked, &tid, &b, BPF_ANY) != 0) {
		struct profbufd_block_counters *c = block_count();
		if (c)
			c->untracked++;
	}
	return 0;
}

/* The thread is current, its user registers those of the syscall. */
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 zero = 0;
	struct block_pending *p = bpf_map_lookup_elem(&pending, &zero);
	if (!p || p->tid == 0 || p->tid != (__u32)bpf_get_current_pid_tgid())
		return 0;
	p->tid = 0;
	struct profbufd_counters *c;
	struct profbufd_sample *s = profbufd_reserve(PROFBUFD_KIND_BLOCK, &c);
	if (!s)
		return 0;
	profbufd_fill_header(s, PROFBUFD_KIND_BLOCK, p->off_ns, 0);
	/* The interval ends at the record's time: windows clip it there
	 * (Accumulate::kSpan). */
	s->hdr.time_ns = p->woken_ns;
	__u16 kframes = p->kernel_frames;
	if (kframes > PROFBUFD_MAX_FRAMES)
		kframes = PROFBUFD_MAX_FRAMES;
	if (kframes && bpf_probe_read_kernel(s->frames, kframes * sizeof(__u64), p->frames))
		kframes = 0;
	s->hdr.kernel_frames = kframes;
	s->hdr.kernel_status = kframes ? p->kernel_status : PROFBUFD_STACK_EMPTY;
	s->hdr.kernel_err = p->kernel_err;
	profbufd_collect_user(ctx, s, kframes);
	profbufd_submit(s, c);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_thread_exit, struct task_struct *task)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&blocked, &tid);
	/* A block it woke from but never returned to user space from (exit
	 * from inside the syscall): its record is lost, and said so. */
	__u32 zero = 0;
	struct block_pending *p = bpf_map_lookup_elem(&pending, &zero);
	struct profbufd_block_counters *bc = block_count();
	if (p && p->tid == tid) {
		p->tid = 0;
		if (bc)
			bc->unfinished++;
	}
	__s64 *moved = bpf_map_lookup_elem(&moved_count, &zero);
	if (moved && *moved > 0 && bpf_map_delete_elem(&pending_moved, &tid) == 0) {
		__sync_fetch_and_add(moved, -1);
		if (bc)
			bc->unfinished++;
	}
	return 0;
}
