/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every kind's BPF program shares: the maps, the filters, and the steps of
 * turning one event into one struct profbufd_record in the ring.
 *
 * The maps are declared in every object that includes this file, but they are
 * one set: userspace creates them once (userspace/capture/shared_maps.h) and
 * makes every object reuse them (bpf_map__reuse_fd) before it is loaded. So
 * all kinds write into one ring that one loader thread drains, count into one
 * counters map (a slot per kind), and obey one set of filters, which userspace
 * may change at any time (the `settings` map; SIGHUP reloads it).
 *
 * A program's order of work, cheapest rejection first:
 *   1. profbufd_wanted(): the pid and cgroup filters, before any stack walk
 *      or ring access;
 *   2. profbufd_reserve(): count the record as seen, reserve a fixed-size
 *      record, or count a drop (a record is never lost without a count);
 *   3. profbufd_fill_header() and profbufd_collect_stacks(): fill it in place;
 *   4. profbufd_submit(): submit, waking userspace only when the ring fills.
 *
 * Why a fixed-size reservation rather than bpf_ringbuf_output() of exactly the
 * bytes used: bpf_ringbuf_reserve() needs a constant size, so a variable-size
 * record would have to be built in a per-CPU scratch array and copied (up to
 * 2 KiB) into the ring. Reserving sizeof(struct profbufd_sample) lets
 * bpf_get_stack() write straight into the ring: no copy, no scratch map. The
 * price is ring space (2 KiB per record whatever the depth), which userspace
 * pays by sizing the ring for half a second of full-size records.
 *
 * The user stack lands at a variable offset (right after the kernel frames) so
 * that userspace reads frames[] as one contiguous stack, kernel frames first.
 * The verifier accepts this because the offset is clamped to
 * PROFBUFD_MAX_FRAMES and the user walk is given at most PROFBUFD_MAX_FRAMES
 * slots, so offset + size never passes the end of frames[].
 */
#ifndef PROFBUFD_BPF_RECORD_BPF_H
#define PROFBUFD_BPF_RECORD_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "profbufd.h"
#include "python.bpf.h"
#include "unwind.bpf.h"

#define PROFBUFD_STACK_BYTES (PROFBUFD_MAX_FRAMES * sizeof(__u64))

/*
 * Knobs set by userspace between open and load (in .rodata, so the verifier
 * sees them as constants and prunes the branches they disable). Only what
 * never changes while profbufd runs: the filters live in `settings`.
 */
/* Force a wakeup once this many bytes wait in the ring (userspace: ring/4). */
const volatile __u64 wakeup_bytes = 0;

/*
 * Per-CPU counters, one slot per kind. Each CPU only touches its own copy, from
 * programs that do not nest with themselves on one CPU, so plain increments are
 * enough. (Two kinds' programs may nest on one CPU, e.g. a perf tick inside a
 * tracepoint, but they touch different slots.)
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROFBUFD_MAX_KINDS);
	__type(key, __u32);
	__type(value, struct profbufd_counters);
} counters SEC(".maps");

/* The filters in force (struct profbufd_settings in profbufd.h): one entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct profbufd_settings);
} settings SEC(".maps");

/* tgids to keep when PROFBUFD_FILTER_PIDS is on; the value is unused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFBUFD_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

/*
 * cgroup v2 directories whose tasks (and their descendants') are kept when
 * PROFBUFD_FILTER_CGROUPS is on: entries 0 .. settings.cgroups - 1, each set
 * from an open directory fd by userspace.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, PROFBUFD_MAX_CGROUPS);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

/*
 * The same cgroups' ids (kernfs ids, as bpf_get_current_cgroup_id() returns
 * them), entry for entry: for programs that judge a task other than current
 * and so cannot ask bpf_current_task_under_cgroup (bpf/goroutine.bpf.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PROFBUFD_MAX_CGROUPS);
	__type(key, __u32);
	__type(value, __u64);
} cgroup_filter_ids SEC(".maps");

/* The ring every kind writes; its real size comes from the reused map. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} samples SEC(".maps");

/*
 * Whether a record of process `tgid` is wanted at all (step 1). Without
 * filters this is one ARRAY lookup, which the verifier inlines into a bounds
 * check and a load.
 *
 * The cgroup test is bpf_current_task_under_cgroup(): the kernel answers
 * "is the current task in this cgroup or below it" from the cgroup's ancestor
 * table in constant time, whatever the depth, so cgroups created after the
 * filter was set (a new container under a filtered slice) are covered too.
 * Its answer is 1 (under), 0 (not) or a negative errno (an empty slot).
 */
static __always_inline bool profbufd_wanted(__u32 tgid)
{
	__u32 zero = 0;
	struct profbufd_settings *st = bpf_map_lookup_elem(&settings, &zero);
	if (!st || !st->filters)
		return true;
	if ((st->filters & PROFBUFD_FILTER_PIDS) && bpf_map_lookup_elem(&pids, &tgid))
		return true;
	if (st->filters & PROFBUFD_FILTER_CGROUPS) {
		__u32 n = st->cgroups;
		for (__u32 i = 0; i < PROFBUFD_MAX_CGROUPS; i++) {
			if (i >= n)
				break;
			if (bpf_current_task_under_cgroup(&cgroup_filter, i) == 1)
				return true;
		}
	}
	return false;
}

/*
 * Step 2: counts the record as seen under `kind` and reserves it. Returns null
 * when the ring is full (counted as dropped) or the counters slot is missing
 * (cannot happen for kind < PROFBUFD_MAX_KINDS; keeps the verifier happy).
 */
static __always_inline struct profbufd_sample *
profbufd_reserve(__u32 kind, struct profbufd_counters **counters_out)
{
	struct profbufd_counters *c = bpf_map_lookup_elem(&counters, &kind);
	if (!c)
		return 0;
	c->seen++;
	struct profbufd_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		c->dropped++;
		return 0;
	}
	*counters_out = c;
	return s;
}

/* Step 3a: everything but the stacks, from the current task. */
static __always_inline void profbufd_fill_header(struct profbufd_sample *s, __u16 kind,
						 __u64 value, __u16 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct profbufd_record *h = &s->hdr;
	h->time_ns = bpf_ktime_get_ns();
	h->value = value;
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->cpu = bpf_get_smp_processor_id();
	h->kind = kind;
	h->flags = flags;
	__builtin_memset(h->pad, 0, sizeof(h->pad));
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Turns a bpf_get_stack() result into (frames, status, errno) fields. */
static __always_inline __u16 profbufd_stack_result(long ret, __u8 *status, __s16 *err)
{
	if (ret < 0) {
		*status = PROFBUFD_STACK_ERROR;
		*err = (__s16)ret;
		return 0;
	}
	*err = 0;
	if (ret == 0) {
		*status = PROFBUFD_STACK_EMPTY;
		return 0;
	}
	*status = PROFBUFD_STACK_OK;
	return (__u16)(ret / sizeof(__u64));
}

/* The kernel half of step 3b: a bpf_get_stack()/bpf_get_task_stack() result
 * for frames[0] into the header; the frames kept, clamped for the verifier
 * (the helpers never return more than asked). */
static __always_inline __u16 profbufd_kernel_result(struct profbufd_record *h, long ret)
{
	__u16 kframes = profbufd_stack_result(ret, &h->kernel_status, &h->kernel_err);
	if (kframes > PROFBUFD_MAX_FRAMES)
		kframes = PROFBUFD_MAX_FRAMES;
	h->kernel_frames = kframes;
	return kframes;
}

/* What the table walker's end means for the record. */
static __always_inline __u8 profbufd_user_status(__u8 end)
{
	switch (end) {
	case UW_END_ENTRY: return PROFBUFD_STACK_OK;
	case UW_END_DEPTH: return PROFBUFD_STACK_TRUNCATED_DEPTH;
	case UW_END_NO_TABLE: return PROFBUFD_STACK_TRUNCATED_NO_TABLE;
	case UW_END_PENDING: return PROFBUFD_STACK_TRUNCATED_PENDING;
	case UW_END_UNSUPPORTED: return PROFBUFD_STACK_TRUNCATED_UNSUPPORTED;
	case UW_END_BAD_PC: return PROFBUFD_STACK_TRUNCATED_BAD_PC;
	default: return PROFBUFD_STACK_TRUNCATED_UNREADABLE;
	}
}

/* The Python frames of the current thread (python.bpf.h), appended to the
 * walker's scratch behind its n native frames, two words each, as far as
 * `room` words allow; the number of Python frames kept. *end says how the
 * Python walk ended (PY_END_NO_ROOM when frames did not fit). */
static __always_inline __u32 profbufd_walk_python(struct profbufd_record *h,
						  struct uw_scratch *sc, __u32 n, __u32 room,
						  __u8 *end)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 zero = 0;
	struct py_scratch *py = bpf_map_lookup_elem(&py_scratch, &zero);

	*end = PY_END_NONE;
	if (!py)
		return 0;
	*end = py_walk(py, h->pid, h->tid, task->group_leader->start_time);
	__u32 pn = py->n, i;
	for (i = 0; i < PY_MAX_FRAMES; i++) {
		if (i >= pn)
			break;
		__u32 at = n + 2 * i;
		if (at + 2 > room) {
			*end = PY_END_NO_ROOM;
			break;
		}
		/* The scratch has room for UW_SCRATCH_WORDS (a power of two) words. */
		sc->frames[at & (UW_SCRATCH_WORDS - 1)] = py->frames[(2 * i) & (2 * PY_MAX_FRAMES + 1)];
		sc->frames[(at + 1) & (UW_SCRATCH_WORDS - 1)] =
			py->frames[(2 * i + 1) & (2 * PY_MAX_FRAMES + 1)];
	}
	return i;
}

/* `task`'s user stack with the table walker (unwind.bpf.h), then the Python
 * frames (python.bpf.h; the current task's: an object that walks another task
 * leaves python_walk off), copied in behind the kernel frames: all of
 * frames[] when there are none (a tick in user mode), else
 * PROFBUFD_MAX_FRAMES. Each branch has constant bounds the verifier can
 * check; a native walk longer than the room left counts as truncated by
 * depth, Python frames beyond it as no_room. */
static __always_inline void profbufd_walk_user(struct profbufd_sample *s, __u16 kframes,
					       struct task_struct *task)
{
	struct profbufd_record *h = &s->hdr;
	__u32 zero = 0;
	struct uw_scratch *sc = bpf_map_lookup_elem(&uw_scratch, &zero);

	if (!sc) {
		h->user_status = PROFBUFD_STACK_ERROR;
		h->user_err = -22; /* EINVAL: cannot happen for a PERCPU_ARRAY key 0 */
		return;
	}
	__u8 end = uw_walk(sc, task);
	__u32 n = sc->n;
	__u32 room = kframes == 0 ? PROFBUFD_MAX_USER_FRAMES : PROFBUFD_MAX_FRAMES;
	if (n > room) {
		n = room;
		end = UW_END_DEPTH;
	}
	__u8 py_end = PY_END_NONE;
	__u32 pn = profbufd_walk_python(h, sc, n, room, &py_end);
	__u64 words = n + 2 * pn; /* 64 bits: no zero-extended copy escapes the clamps */
	long err;
	if (kframes == 0) {
		if (words > PROFBUFD_MAX_USER_FRAMES)
			words = PROFBUFD_MAX_USER_FRAMES;
		barrier_var(words);
		err = words ? bpf_probe_read_kernel(s->frames, words * sizeof(__u64), sc->frames) : 0;
	} else {
		if (kframes > PROFBUFD_MAX_FRAMES)
			kframes = PROFBUFD_MAX_FRAMES;
		if (words > PROFBUFD_MAX_FRAMES)
			words = PROFBUFD_MAX_FRAMES;
		barrier_var(words);
		err = words ? bpf_probe_read_kernel(&s->frames[kframes], words * sizeof(__u64),
						    sc->frames)
			    : 0;
	}
	if (err)
		n = pn = 0;
	h->user_frames = n;
	h->user_status = n ? profbufd_user_status(end) : PROFBUFD_STACK_EMPTY;
	h->python_frames = pn;
	h->python_status = err ? PY_END_NONE : py_end;
}

/* The user half of step 3b, behind `kframes` kernel frames already in place. */
static __always_inline void profbufd_collect_user(void *ctx, struct profbufd_sample *s,
						  __u16 kframes)
{
	struct profbufd_record *h = &s->hdr;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	h->user_frames = 0;
	h->user_err = 0;
	h->python_frames = 0;
	h->python_status = PY_END_NONE;
	if (h->pid == 0) {
		h->user_status = PROFBUFD_STACK_NOT_COLLECTED;
	} else if (!BPF_CORE_READ(task, mm)) {
		h->user_status = PROFBUFD_STACK_KERNEL_THREAD;
	} else if (unwind_mode != 0) {
		profbufd_walk_user(s, kframes, bpf_get_current_task_btf());
	} else {
		long uret = bpf_get_stack(ctx, &s->frames[kframes], PROFBUFD_STACK_BYTES,
					  BPF_F_USER_STACK);
		__u16 uframes = profbufd_stack_result(uret, &h->user_status, &h->user_err);
		if (uframes > PROFBUFD_MAX_FRAMES)
			uframes = PROFBUFD_MAX_FRAMES;
		h->user_frames = uframes;
	}
}

/*
 * Step 3b: the kernel stack at frames[0] and the user stack right behind it.
 * The kernel stack is empty (0 frames) when the event interrupted user mode.
 * The idle task (tgid 0) and kernel threads have no user half to walk: their
 * status says so instead. The user stack comes from frame pointers
 * (bpf_get_stack) or from the table walker, as unwind_mode says.
 */
static __always_inline void profbufd_collect_stacks(void *ctx, struct profbufd_sample *s)
{
	struct profbufd_record *h = &s->hdr;
	__u16 kframes =
		profbufd_kernel_result(h, bpf_get_stack(ctx, s->frames, PROFBUFD_STACK_BYTES, 0));
	profbufd_collect_user(ctx, s, kframes);
}

/*
 * Step 4. Waking the loader for every record would cost a context switch per
 * event. The loader drains on a timer instead (every 50 ms), so ordinary
 * submits do not wake it; only when a quarter of the ring is waiting do we
 * force a wakeup, so that a burst drains before the ring fills. The fill
 * includes the record reserved above.
 */
static __always_inline void profbufd_submit(struct profbufd_sample *s,
					    struct profbufd_counters *c)
{
	__u64 used = bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA);
	if (used > c->peak_used)
		c->peak_used = used;
	__u64 flags = (wakeup_bytes && used >= wakeup_bytes) ? BPF_RB_FORCE_WAKEUP
							      : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(s, flags);
}

/* One record of a kind whose events happen in user context and whose stack is
 * the user one only (mutex waits, allocations): reserve, fill, walk, submit.
 * Returns the record's time_ns, or 0 when the ring had no room (the loss is
 * counted by profbufd_reserve()). */
static __always_inline __u64 profbufd_emit_user_only(void *ctx, __u16 kind, __u64 value,
						     __u16 flags)
{
	struct profbufd_counters *c;
	struct profbufd_sample *s = profbufd_reserve(kind, &c);
	if (!s)
		return 0;
	profbufd_fill_header(s, kind, value, flags);
	s->hdr.kernel_frames = 0;
	s->hdr.kernel_status = PROFBUFD_STACK_NOT_COLLECTED;
	s->hdr.kernel_err = 0;
	profbufd_collect_user(ctx, s, 0);
	__u64 time_ns = s->hdr.time_ns;
	profbufd_submit(s, c);
	return time_ns;
}

#endif /* PROFBUFD_BPF_RECORD_BPF_H */
