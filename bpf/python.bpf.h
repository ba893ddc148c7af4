/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Python walker: reads the CPython interpreter frames of the sampled thread
 * (bpf/python.h says what it reads and how the frames are written) into a
 * per-CPU scratch, for record.bpf.h to copy behind the native frames.
 *
 * Every read is a bpf_probe_read_user of the sampled process's memory, so a
 * wrong pointer costs a failed read (PY_END_UNREADABLE), never a fault; and
 * every loop is bounded (PY_MAX_THREADS, PY_MAX_FRAMES), so a cycle in the
 * `previous` links or the thread list ends the walk at the bound (PY_END_DEPTH
 * or PY_END_NO_THREAD). Strings and line tables are not read here: userspace
 * reads them once per code object.
 */
#ifndef PROFBUFD_BPF_PYTHON_BPF_H
#define PROFBUFD_BPF_PYTHON_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "python.h"

/* Shared with every kind's object (userspace creates them: capture/shared_maps). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PY_MAX_PROCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct py_proc);
} py_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PY_MAX_TSTATES);
	__type(key, __u32);
	__type(value, struct py_thread);
} py_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct py_counters);
} py_counters SEC(".maps");

/* Per object, as uw_scratch. */
struct py_scratch {
	__u64 frames[2 * PY_MAX_FRAMES + 2]; /* a power of two, for the copy's mask */
	__u8 frame[PY_FRAME_READ];
	__s32 code[PY_CODE_READ / 4];
	__u64 at;     /* the frame (or thread state) being read */
	__u64 target; /* the tid searched for */
	__u32 n;      /* Python frames found */
	__u8 end;     /* enum py_end, once done */
	__u8 done;
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct py_scratch);
} py_scratch SEC(".maps");

/* 1: walk Python frames (userspace: --unwind auto|dwarf without --no-python). */
const volatile __u8 python_walk = 0;

struct py_loop {
	struct py_scratch *sc;
	struct py_proc *proc;
	struct py_counters *cnt;
};

static __always_inline void py_count(struct py_counters *c, __u32 i)
{
	if (c && i < PY_C__COUNT)
		c->c[i]++;
}

static __always_inline __u64 py_read_ptr(__u64 addr, int *ok)
{
	__u64 v = 0;
	if (!addr || bpf_probe_read_user(&v, sizeof(v), (void *)addr)) {
		*ok = 0;
		return 0;
	}
	return v;
}

static __always_inline long py_stop(struct py_scratch *sc, __u8 end)
{
	sc->end = end;
	sc->done = 1;
	return 1;
}

/* One thread state of the list: the one of sc->target ends the search. */
static long py_thread_step(__u32 i, struct py_loop *c)
{
	struct py_scratch *sc = c->sc;
	struct py_layout *l = &c->proc->l;
	int ok = 1;

	if (!sc->at)
		return py_stop(sc, PY_END_NO_THREAD);
	__u64 id = py_read_ptr(sc->at + l->tstate_native_id, &ok);
	if (!ok)
		return py_stop(sc, PY_END_UNREADABLE);
	if (id == sc->target)
		return py_stop(sc, PY_END_OK);
	sc->at = py_read_ptr(sc->at + l->tstate_next, &ok);
	if (!ok)
		return py_stop(sc, PY_END_UNREADABLE);
	return 0;
}

/* The thread state of `tid` (0: none), from the cache or the interpreter's list. */
static __always_inline __u64 py_tstate(struct py_loop *c, __u32 tid)
{
	struct py_scratch *sc = c->sc;
	struct py_layout *l = &c->proc->l;
	__u64 now = bpf_ktime_get_ns();
	int ok = 1;
	struct py_thread *t = bpf_map_lookup_elem(&py_threads, &tid);

	if (t && t->tstate) {
		__u64 id = py_read_ptr(t->tstate + l->tstate_native_id, &ok);
		if (ok && id == tid) {
			py_count(c->cnt, PY_C_THREAD_HITS);
			return t->tstate;
		}
	} else if (t && now - t->searched_ns < PY_RETRY_NS) {
		return 0;
	}
	py_count(c->cnt, PY_C_THREAD_SEARCHES);
	__u64 interp = py_read_ptr(c->proc->runtime + l->runtime_interp_main, &ok);
	sc->at = interp ? py_read_ptr(interp + l->interp_threads_head, &ok) : 0;
	sc->target = tid;
	sc->done = 0;
	sc->end = PY_END_NO_THREAD;
	if (ok)
		bpf_loop(PY_MAX_THREADS, py_thread_step, c, 0);
	struct py_thread v = {.tstate = 0, .searched_ns = now};
	if (sc->done && sc->end == PY_END_OK)
		v.tstate = sc->at;
	bpf_map_update_elem(&py_threads, &tid, &v, BPF_ANY);
	return v.tstate;
}

/* 3.12+: the frame in sc->frame is the shim an evaluator call pushes (owner
 * PY_OWNED_BY_CSTACK), not a Python function's. */
static __always_inline int py_is_shim(struct py_scratch *sc, struct py_layout *l)
{
	__u32 ow = l->frame_owner;
	if (ow >= PY_FRAME_READ)
		return 0;
	return sc->frame[ow] == PY_OWNED_BY_CSTACK;
}

/* Marks the last frame written (the innermost `n` frames are) as its
 * evaluator call's first: the one just inside a 3.12+ shim. */
static __always_inline void py_mark_entry(struct py_scratch *sc, __u32 n)
{
	/* the mask (frames[] has 2 * PY_MAX_FRAMES + 2 words) bounds the index for
	 * the verifier, which clang's reuse of n's register would not */
	if (n > 0 && n <= PY_MAX_FRAMES)
		sc->frames[(2 * (n - 1)) & (2 * PY_MAX_FRAMES + 1)] |= PY_FRAME_ENTRY;
}

/* One interpreter frame: its code object and instruction, then its caller. */
static long py_frame_step(__u32 i, struct py_loop *c)
{
	struct py_scratch *sc = c->sc;
	struct py_layout *l = &c->proc->l;

	if (!sc->at)
		return py_stop(sc, PY_END_OK);
	__u32 n = sc->n;
	if (n >= PY_MAX_FRAMES)
		return py_stop(sc, PY_END_DEPTH);
	if (bpf_probe_read_user(sc->frame, PY_FRAME_READ, (void *)sc->at))
		return py_stop(sc, PY_END_UNREADABLE);
	__u32 oc = l->frame_code, op = l->frame_previous, oi = l->frame_prev_instr;
	if (oc > PY_FRAME_READ - 8 || op > PY_FRAME_READ - 8 || oi > PY_FRAME_READ - 8)
		return py_stop(sc, PY_END_UNREADABLE);
	__u64 previous = *(__u64 *)(sc->frame + op);
	if (py_is_shim(sc, l)) {
		py_mark_entry(sc, n);
		sc->at = previous;
		return 0;
	}
	__u64 code = *(__u64 *)(sc->frame + oc);
	__u64 instr = *(__u64 *)(sc->frame + oi);
	__u32 oe = l->frame_is_entry;
	__u8 entry = 0;
	if (oe < PY_FRAME_READ)
		entry = sc->frame[oe];
	if (!code || (code & 7))
		return py_stop(sc, PY_END_UNREADABLE);
	if (bpf_probe_read_user(sc->code, PY_CODE_READ, (void *)(code + l->code_tag)))
		return py_stop(sc, PY_END_UNREADABLE);
	__u64 first = code + l->code_adaptive;
	__u64 lasti = instr >= first && (instr - first) / 2 < PY_NO_INSTR ? (instr - first) / 2
									 : PY_NO_INSTR;
	barrier_var(n);
	if (n >= PY_MAX_FRAMES)
		return py_stop(sc, PY_END_DEPTH);
	sc->frames[2 * n] = code | (entry ? PY_FRAME_ENTRY : 0);
	sc->frames[2 * n + 1] = lasti | (__u64)py_code_tag(sc->code) << 32;
	sc->n = n + 1;
	py_count(c->cnt, PY_C_FRAMES);
	sc->at = previous;
	return 0;
}

/*
 * Walks the current thread's Python frames into sc->frames; returns the end
 * reason (PY_END_NONE: not a Python process, nothing walked). `started` is the
 * group leader's start time, against a reused pid.
 */
static __always_inline __u8 py_walk(struct py_scratch *sc, __u32 pid, __u32 tid, __u64 started)
{
	__u32 zero = 0;

	sc->n = 0;
	if (!python_walk)
		return PY_END_NONE;
	struct py_proc *p = bpf_map_lookup_elem(&py_procs, &pid);
	if (!p)
		return PY_END_NONE;
	struct py_loop c = {
		.sc = sc,
		.proc = p,
		.cnt = bpf_map_lookup_elem(&py_counters, &zero),
	};
	if (p->start_time == 0) {
		p->start_time = started;
	} else if (p->start_time != started) {
		py_count(c.cnt, PY_C_STALE_PROCS);
		return PY_END_NONE;
	}
	py_count(c.cnt, PY_C_WALKS);
	__u8 end = PY_END_NO_THREAD;
	__u64 ts = py_tstate(&c, tid);
	if (ts) {
		int ok = 1;
		__u64 cframe = py_read_ptr(ts + p->l.tstate_cframe, &ok);
		if (p->l.cframe_current == PY_OFF_NONE) /* 3.13: the thread state's own */
			sc->at = cframe;
		else
			sc->at = cframe ? py_read_ptr(cframe + p->l.cframe_current, &ok) : 0;
		sc->done = 0;
		sc->end = PY_END_DEPTH;
		/* room for a shim (3.12+) between every two frames */
		if (ok)
			bpf_loop(2 * PY_MAX_FRAMES + 2, py_frame_step, &c, 0);
		end = ok ? sc->end : PY_END_UNREADABLE;
	}
	py_count(c.cnt, PY_C_END_BASE + (end & 7));
	return end;
}

#endif /* PROFBUFD_BPF_PYTHON_BPF_H */
