/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The user-stack walker: unwinds code built without frame pointers from tables
 * userspace builds out of .eh_frame (bpf/unwind.h), falling back to frame
 * pointers one frame at a time where there is no table (JIT code, a binary
 * whose table is not loaded yet, a rule the walker does not support).
 *
 * One bpf_loop (5.17+) callback per frame, UW_MAX_FRAMES of them at most. The
 * walk state and a window of user stack live in a per-CPU scratch value; the
 * stack bytes never leave the kernel (the scratch map is not mmapable and the
 * record carries only addresses).
 *
 * Cost notes (measured, see userspace/unwind/README or the issue notes):
 * every bpf_probe_read_user costs about the same up to 1 KiB, so the walker
 * copies UW_WINDOW_BYTES of stack at a time and serves the frames' reads from
 * that copy; the two binary searches are inlined (helper calls cost more than
 * the searches), and their bounds are passed through opaque32() with a seed
 * the verifier cannot know, without which every search step multiplies the
 * verifier's states past its 1M-instruction limit.
 */
#ifndef PROFBUFD_BPF_UNWIND_BPF_H
#define PROFBUFD_BPF_UNWIND_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "profbufd.h"
#include "unwind.h"

/*
 * How the walker reads the walked task's stack: the current task's by
 * default; a sleepable program walking another task (bpf/goroutine.bpf.c)
 * defines it as bpf_copy_from_user_task before including this file.
 */
#ifndef UW_READ_USER
#define UW_READ_USER(dst, size, src, task) bpf_probe_read_user(dst, size, src)
#endif

/* Shared with every kind's object (userspace creates them: capture/shared_maps). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UW_MAX_PROCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct uw_proc);
} uw_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, UW_MAX_BINS);
	__type(key, __u32);
	__type(value, struct uw_bin);
} uw_bins SEC(".maps");

/* These three are sized by userspace (--unwind-table-memory). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uw_page);
} uw_pages SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uw_block);
} uw_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uw_rule);
} uw_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uw_counters);
} uw_counters SEC(".maps");

/* Per bin, walks that needed its table before it was loaded: userspace
 * builds only the tables walks need (woken by the first, UW_EVENT_TABLE_WANTED),
 * the most wanted first, and reads this through a shared mapping. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, UW_MAX_BINS);
	__type(key, __u32);
	__type(value, __u64); /* 8 bytes: the mmap stride of array values */
} uw_demand SEC(".maps");

/* Requests to userspace: processes and addresses it has not published yet. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} uw_events SEC(".maps");

/* When each pid last asked (ns): at most one request per pid per 250 ms. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} uw_asked SEC(".maps");

#define UW_ASK_INTERVAL_NS (250ULL * 1000 * 1000)

/* The walk's state. */
struct uw_regs {
	__u64 pc, sp, bp;
	__u32 map_idx; /* the mapping of the last frame; UW_MAX_MAPS: look it up */
	__u8 ret_addr; /* pc is a return address: its call lies at pc - 1 */
	__u8 done;
	__u8 end;      /* enum uw_end, once done */
	__u8 fell;     /* 0, or 1 + the enum uw_end of the first frame-pointer fallback */
};

/* Per object: programs of two kinds never share a walk. */
#define UW_SCRATCH_WORDS 256 /* UW_MAX_FRAMES rounded up to a power of two */
struct uw_scratch {
	struct uw_regs r;
	__u64 wbase; /* user address of win[0] */
	__u32 wlen;  /* bytes of win that are valid */
	__u32 seed;  /* always 0, but the verifier cannot know it (opaque32) */
	__u32 n;     /* frames found */
	__u32 pad;
	__u64 frames[UW_SCRATCH_WORDS]; /* the walk's frames, then Python's (record.bpf.h) */
	__u8 win[UW_WINDOW_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uw_scratch);
} uw_scratch SEC(".maps");

/* 0: frame pointers (bpf_get_stack), 1: tables with a frame-pointer fallback per
 * frame (--unwind=auto), 2: tables only (--unwind=dwarf). */
const volatile __u8 unwind_mode = 0;

struct uw_loop {
	struct task_struct *task; /* the task walked */
	struct uw_scratch *sc;
	struct uw_proc *proc; /* null: the process has no published mappings */
	struct uw_counters *cnt;
	/* The process's uretprobe trampoline: UW_TRAMP_UNREAD until a pc outside
	 * every file mapping asks for it, then its address or 0 (none yet). */
	__u64 uret_tramp;
};

#define UW_TRAMP_UNREAD 1

static __always_inline __u32 opaque32(__u32 v, __u32 seed)
{
	asm volatile("%0 ^= %1\n%0 ^= %1\n" : "+&r"(v) : "r"(seed));
	return v;
}

static __always_inline void uw_count(struct uw_counters *c, __u32 i)
{
	if (c && i < UW_C__COUNT)
		c->c[i]++;
}

/*
 * Ends the walk. After a frame-pointer fallback, frame pointers may have led
 * the walk astray (code built without them), so a walk that then fails ends
 * for the fallback's reason; and one that fell back because the process or
 * its table was not loaded yet is never counted complete.
 */
static __always_inline long uw_finish(struct uw_regs *r, __u8 end)
{
	if (r->fell && end != UW_END_DEPTH &&
	    (end != UW_END_ENTRY || r->fell == 1 + UW_END_PENDING))
		end = r->fell - 1;
	r->done = 1;
	r->end = end;
	return 1;
}

/* Asks userspace to publish `pid` (or re-read its mappings for `pc`), at most
 * once per UW_ASK_INTERVAL_NS per pid. */
static __always_inline void uw_ask(struct uw_counters *cnt, struct task_struct *task, __u32 kind,
				   __u32 pid, __u64 pc)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 *last = bpf_map_lookup_elem(&uw_asked, &pid);
	if (last && now - *last < UW_ASK_INTERVAL_NS)
		return;
	bpf_map_update_elem(&uw_asked, &pid, &now, BPF_ANY);
	struct uw_event *e = bpf_ringbuf_reserve(&uw_events, sizeof(*e), 0);
	if (!e) {
		uw_count(cnt, UW_C_REQUESTS_FULL);
		return;
	}
	e->kind = kind;
	e->pid = pid;
	e->start_time = task->group_leader->start_time;
	e->pc = pc;
	e->time_ns = now;
	bpf_ringbuf_submit(e, 0);
	uw_count(cnt, UW_C_REQUESTS);
}

/* Counts a walk that needed `bin`'s table before it was loaded; the first
 * one wakes userspace, which builds only the tables walks need. */
static __always_inline void uw_want(struct uw_counters *cnt, __u32 bin)
{
	__u64 *want = bpf_map_lookup_elem(&uw_demand, &bin);
	if (!want || __sync_fetch_and_add(want, 1) != 0)
		return;
	struct uw_event *e = bpf_ringbuf_reserve(&uw_events, sizeof(*e), 0);
	if (!e) {
		uw_count(cnt, UW_C_REQUESTS_FULL); /* found on userspace's next idle pass */
		return;
	}
	e->kind = UW_EVENT_TABLE_WANTED;
	e->pid = 0;
	e->start_time = 0;
	e->pc = bin;
	e->time_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
}

/* Makes [lo, hi) of the user stack readable from the window; 0 on success. A
 * window starts at the lowest address asked for: callers' frames lie above, so
 * one copy serves several frames. */
static __always_inline int uw_ensure(struct uw_loop *c, __u64 lo, __u64 hi)
{
	struct uw_scratch *sc = c->sc;

	if (lo >= sc->wbase && hi <= sc->wbase + sc->wlen)
		return 0;
	if (hi <= lo || hi - lo > UW_WINDOW_BYTES)
		return -1;
	uw_count(c->cnt, UW_C_WINDOW_READS);
	sc->wbase = lo;
	sc->wlen = UW_WINDOW_BYTES;
	if (!UW_READ_USER(sc->win, UW_WINDOW_BYTES, (void *)lo, c->task))
		return 0;
	/* The window ran past the end of the stack: read only what is needed. */
	__u32 n = hi - lo;
	sc->wlen = 0;
	if (n > 255)
		return -1;
	barrier_var(n);
	if (UW_READ_USER(sc->win, n & 255, (void *)lo, c->task))
		return -1;
	sc->wlen = n;
	return 0;
}

static __always_inline __u64 uw_word(struct uw_scratch *sc, __u64 addr)
{
	__u64 off = addr - sc->wbase;

	barrier_var(off);
	if (off > UW_WINDOW_BYTES - 8)
		return 0;
	return *(__u64 *)(sc->win + off);
}

/* The index of the mapping holding pc, or UW_MAX_MAPS. */
static __always_inline __u32 uw_find_map(struct uw_proc *p, __u64 pc, __u32 seed)
{
	__u32 lo = 0, hi = p->n;

	if (hi > UW_MAX_MAPS)
		hi = UW_MAX_MAPS;
	for (int k = 0; k < UW_MAP_SEARCH_STEPS; k++) {
		if (lo >= hi)
			break;
		__u32 mid = ((lo + hi) >> 1) & (UW_MAX_MAPS - 1);
		if (p->m[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
		lo = opaque32(lo, seed);
		hi = opaque32(hi, seed);
	}
	if (lo == 0)
		return UW_MAX_MAPS;
	__u32 i = (lo - 1) & (UW_MAX_MAPS - 1);
	if (pc >= p->m[i].end)
		return UW_MAX_MAPS;
	return i;
}

static __always_inline __u32 uw_row(__u32 idx, int *ok)
{
	__u32 blk = idx / UW_ROWS_PER_BLOCK;
	struct uw_block *b = bpf_map_lookup_elem(&uw_rows, &blk);

	if (!b) {
		*ok = 0;
		return 0;
	}
	__u8 *r = &b->row_bytes[(idx & (UW_ROWS_PER_BLOCK - 1)) * UW_ROW_BYTES];
	return r[0] | (__u32)r[1] << 8 | (__u32)r[2] << 16;
}

/* The first row in [lo, hi) whose start lies above page offset `off` (hi if none). */
static __always_inline __u32 uw_upper_bound(__u32 lo, __u32 hi, __u32 off, __u32 seed)
{
	int ok = 1;

	for (int k = 0; k < UW_ROW_SEARCH_STEPS; k++) {
		if (lo >= hi)
			break;
		__u32 mid = (lo + hi) >> 1;
		if (off >= (uw_row(mid, &ok) & 0xfff))
			lo = mid + 1;
		else
			hi = mid;
		lo = opaque32(lo, seed);
		hi = opaque32(hi, seed);
	}
	return lo;
}

/* Pending uretprobes searched for a hijacked return address. */
#define UW_MAX_URETPROBES 8

/*
 * Where a pending uretprobe has replaced the current frame's return address
 * (read from sp - 8, the slot each step reads it from) by its trampoline
 * (each return of a probed function traps there: the heap kind's, any
 * tool's), puts back the one it replaced and returns 1: the return instance
 * whose stack is that slot (the sp at the probed function's entry). A chained
 * instance (a tail call between two probed functions) carries the same
 * original. Asked only of a pc outside every file mapping, so a walk that
 * meets none (no JIT code, no trampoline) never reads the kernel's uprobe
 * state, and one that does reads the trampoline's address once. Found in no
 * instance, the trampoline stays, and the walk falls back to frame pointers
 * as for any pc outside the process's files.
 */
static __always_inline int uw_untrampoline(struct uw_loop *c, __u32 n)
{
	struct uw_regs *r = &c->sc->r;
	struct task_struct *task = c->task; /* a kernel type: CO-RE from here */

	if (n == 0 || !r->ret_addr)
		return 0; /* the leaf's pc was read from registers, not a slot */
	if (c->uret_tramp == UW_TRAMP_UNREAD)
		c->uret_tramp = BPF_CORE_READ(task, mm, uprobes_state.xol_area, vaddr);
	if (r->pc != c->uret_tramp) /* 0, no trampoline yet, is no pc: uw_step ended on it */
		return 0;
	__u64 slot = r->sp - 8;
	struct return_instance *ri = BPF_CORE_READ(task, utask, return_instances);
	for (int k = 0; k < UW_MAX_URETPROBES && ri; k++) {
		if (BPF_CORE_READ(ri, stack) == slot) {
			__u64 orig = BPF_CORE_READ(ri, orig_ret_vaddr);
			if (orig == r->pc)
				return 0;
			r->pc = orig;
			return 1;
		}
		ri = BPF_CORE_READ(ri, next);
	}
	return 0;
}

/* One frame by frame pointers ([bp] = caller's bp, [bp + 8] = return address),
 * counted under `why`; when that cannot work either, the walk ends with `end`. */
static __always_inline long uw_fp_step(struct uw_loop *c, __u32 why, __u8 end)
{
	struct uw_regs *r = &c->sc->r;

	uw_count(c->cnt, why);
	if (unwind_mode == 2)
		return uw_finish(r, end);
	if (!r->fell)
		r->fell = 1 + end;
	if (r->bp == 0)
		return uw_finish(r, UW_END_ENTRY); /* the ABI's outermost frame */
	/* A frame pointer lies above sp, not absurdly far, and aligned. */
	if (r->bp < r->sp || r->bp - r->sp > (1 << 20) || (r->bp & 7))
		return uw_finish(r, end);
	if (uw_ensure(c, r->bp, r->bp + 16))
		return uw_finish(r, UW_END_UNREADABLE);
	__u64 caller_bp = uw_word(c->sc, r->bp);
	r->pc = uw_word(c->sc, r->bp + 8);
	r->sp = r->bp + 16;
	r->bp = caller_bp;
	r->ret_addr = 1;
	r->map_idx = UW_MAX_MAPS;
	return 0;
}

/* The rule covering the pc of the current frame in mapping `m`, or null after
 * ending the walk or falling back (*fell: the fallback's result). */
static __always_inline struct uw_rule *uw_lookup(struct uw_loop *c, struct uw_map *m, long *fell)
{
	struct uw_regs *r = &c->sc->r;
	__u32 bin_id = m->bin;

	if (bin_id == 0) {
		*fell = uw_fp_step(c, UW_C_FP_NO_TABLE, UW_END_NO_TABLE);
		return 0;
	}
	struct uw_bin *b = bpf_map_lookup_elem(&uw_bins, &bin_id);
	if (b && b->state == UW_BIN_NO_TABLE) {
		*fell = uw_fp_step(c, UW_C_FP_NO_TABLE, UW_END_NO_TABLE);
		return 0;
	}
	if (!b || b->state != UW_BIN_READY) {
		if (b)
			uw_want(c->cnt, bin_id);
		*fell = uw_fp_step(c, UW_C_FP_PENDING, UW_END_PENDING);
		return 0;
	}
	barrier(); /* state before the rest: userspace writes state last */
	__u64 vaddr = r->pc - r->ret_addr - m->bias;
	if (vaddr < b->base || vaddr >= b->end) {
		*fell = uw_fp_step(c, UW_C_FP_NO_TABLE, UW_END_NO_TABLE);
		return 0;
	}
	__u32 pg_idx = b->page_first + (__u32)((vaddr - b->base) >> UW_PAGE_BITS);
	struct uw_page *pg = bpf_map_lookup_elem(&uw_pages, &pg_idx);
	if (!pg) {
		*fell = uw_fp_step(c, UW_C_FP_NO_TABLE, UW_END_NO_TABLE);
		return 0;
	}
	__u32 lo = uw_upper_bound(pg->first_row, pg->first_row + pg->n_rows,
				  vaddr & ((1 << UW_PAGE_BITS) - 1), c->sc->seed);
	/* lo - 1 covers vaddr; before the page's first row it is the previous page's
	 * last row, which runs into this page. */
	int ok = 1;
	if (lo == 0 || lo - 1 < b->row_first) {
		*fell = uw_fp_step(c, UW_C_FP_NO_TABLE, UW_END_NO_TABLE);
		return 0;
	}
	__u32 rule = uw_row(lo - 1, &ok) >> 12;
	__u32 rule_id = b->rule_first + rule;
	struct uw_rule *ru = ok && rule < b->n_rules ? bpf_map_lookup_elem(&uw_rules, &rule_id) : 0;
	if (!ru)
		*fell = uw_fp_step(c, UW_C_FP_NO_TABLE, UW_END_NO_TABLE);
	return ru;
}

/* A signal frame: sp points at the ucontext, whose mcontext (at +40) holds
 * r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip. */
static __always_inline long uw_signal(struct uw_loop *c)
{
	struct uw_regs *r = &c->sc->r;
	__u64 mc = r->sp + 40;

	if (uw_ensure(c, mc, mc + 17 * 8))
		return uw_finish(r, UW_END_UNREADABLE);
	r->bp = uw_word(c->sc, mc + 10 * 8);
	r->sp = uw_word(c->sc, mc + 15 * 8);
	r->pc = uw_word(c->sc, mc + 16 * 8);
	r->ret_addr = 0; /* the interrupted pc is exact */
	r->map_idx = UW_MAX_MAPS;
	uw_count(c->cnt, UW_C_SIGNAL_FRAMES);
	return 0;
}

/* Applies a CFA rule: the caller's pc, sp and bp. */
static __always_inline long uw_apply(struct uw_loop *c, struct uw_rule *ru, struct uw_map *m)
{
	struct uw_regs *r = &c->sc->r;
	__u64 cfa;
	__s32 off = ru->cfa_off;

	switch (ru->cfa_kind) {
	case UW_CFA_RSP:
		cfa = r->sp + off;
		break;
	case UW_CFA_RBP:
		cfa = r->bp + off;
		break;
	case UW_CFA_PLT:
		cfa = r->sp + 8 + ((((r->pc & 15) >= (__u64)off)) << 3);
		break;
	case UW_CFA_DEREF_RSP:
	case UW_CFA_DEREF_RBP: {
		__u64 a = (ru->cfa_kind == UW_CFA_DEREF_RSP ? r->sp : r->bp) + off;
		if (uw_ensure(c, a, a + 8))
			return uw_finish(r, UW_END_UNREADABLE);
		cfa = uw_word(c->sc, a);
		break;
	}
	case UW_CMD_STOP:
		return uw_finish(r, UW_END_ENTRY);
	case UW_CMD_SIGNAL:
		return uw_signal(c);
	case UW_CMD_GAP:
		return uw_fp_step(c, UW_C_FP_NO_TABLE, UW_END_NO_TABLE);
	default:
		return uw_fp_step(c, UW_C_FP_UNSUPPORTED, UW_END_UNSUPPORTED);
	}
	/* The return address at CFA - 8 and the saved rbp below it: one window. */
	__u64 lo = cfa - 8;
	if (ru->rbp_kind == UW_RBP_CFA_OFF && cfa + ru->rbp_off < lo)
		lo = cfa + ru->rbp_off;
	if (uw_ensure(c, lo, cfa))
		return uw_finish(r, UW_END_UNREADABLE);
	__u64 ra = uw_word(c->sc, cfa - 8);
	if (ru->rbp_kind == UW_RBP_CFA_OFF)
		r->bp = uw_word(c->sc, cfa + ru->rbp_off);
	else if (ru->rbp_kind != UW_RBP_SAME)
		r->bp = 0;
	uw_count(c->cnt, UW_C_TABLE_FRAMES);
	r->sp = cfa;
	r->pc = ra;
	r->ret_addr = 1;
	if (ra < m->start || ra >= m->end)
		r->map_idx = UW_MAX_MAPS; /* the caller is in another mapping */
	return 0;
}

static long uw_step(__u32 i, struct uw_loop *c)
{
	struct uw_scratch *sc = c->sc;
	struct uw_regs *r = &sc->r;

	if (r->done)
		return 1;
	__u32 n = sc->n;
	if (n >= UW_MAX_FRAMES)
		return uw_finish(r, UW_END_DEPTH);
	if (r->pc < 4096 || r->pc >> 47)
		return uw_finish(r, r->pc == 0 ? UW_END_ENTRY : UW_END_BAD_PC);
	barrier_var(n);
	if (n >= UW_MAX_FRAMES)
		return uw_finish(r, UW_END_DEPTH);
	struct uw_proc *p = c->proc;
	__u32 mi = r->map_idx;
	if (p && mi >= UW_MAX_MAPS)
		mi = uw_find_map(p, r->pc, sc->seed);
	/* Outside every file mapping (in none, or in an anonymous or special
	 * one such as [uprobes]): perhaps a uretprobe's trampoline, then this
	 * frame again (the next iteration) at the address it replaced. */
	if ((!p || mi >= UW_MAX_MAPS || p->m[mi & (UW_MAX_MAPS - 1)].bin == 0) &&
	    uw_untrampoline(c, n))
		return 0;
	r->map_idx = mi;
	/* An exact pc below the leaf (after a signal frame) as pc + 1: readers
	 * look every frame but the first up at address - 1 (bpf/profbufd.h). */
	sc->frames[n] = r->pc + (n > 0 && !r->ret_addr);
	sc->n = n + 1;
	uw_count(c->cnt, UW_C_FRAMES);

	if (!p)
		return uw_fp_step(c, UW_C_FP_NO_PROCESS, UW_END_PENDING);
	if (mi >= UW_MAX_MAPS) {
		uw_ask(c->cnt, c->task, UW_EVENT_UNKNOWN_PC, c->task->tgid, r->pc);
		return uw_fp_step(c, UW_C_FP_NO_MAPPING, UW_END_NO_TABLE);
	}
	barrier_var(mi); /* keeps clang from dropping the mask it thinks redundant */
	struct uw_map *m = &p->m[mi & (UW_MAX_MAPS - 1)];
	long fell = 0;
	struct uw_rule *ru = uw_lookup(c, m, &fell);
	if (!ru)
		return fell;
	return uw_apply(c, ru, m);
}

/*
 * Walks `task`'s user stack into sc->frames and returns the end reason: the
 * current task's, or another's from a program whose UW_READ_USER can read
 * it. The registers are the user ones saved at kernel entry
 * (bpf_task_pt_regs): for a tick in user mode, the interrupted state; in a
 * syscall, the state at the syscall, whose pc follows the call.
 */
static __always_inline __u8 uw_walk(struct uw_scratch *sc, struct task_struct *task)
{
	__u32 zero = 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct uw_loop c = {
		.task = task,
		.sc = sc,
		.cnt = bpf_map_lookup_elem(&uw_counters, &zero),
		.uret_tramp = UW_TRAMP_UNREAD,
	};
	__u32 pid = task->tgid;

	sc->n = 0;
	sc->wbase = 0;
	sc->wlen = 0;
	sc->r.done = 0;
	sc->r.fell = 0;
	sc->r.end = UW_END_UNREADABLE;
	sc->r.map_idx = UW_MAX_MAPS;
	if (!regs || (regs->cs & 3) != 3)
		return UW_END_BAD_PC;
	sc->r.pc = regs->ip;
	sc->r.sp = regs->sp;
	sc->r.bp = regs->bp;
	sc->r.ret_addr = regs->orig_ax != (unsigned long)-1;
	uw_count(c.cnt, UW_C_WALKS);
	c.proc = bpf_map_lookup_elem(&uw_procs, &pid);
	if (c.proc) {
		__u64 started = task->group_leader->start_time;
		/* 0: published before any walk (--pid); the first walk tells. */
		if (c.proc->start_time == 0)
			c.proc->start_time = started;
		else if (c.proc->start_time != started)
			c.proc = 0; /* a reused pid: those mappings were another process's */
	}
	if (!c.proc)
		uw_ask(c.cnt, task, UW_EVENT_UNKNOWN_PROCESS, pid, 0);
	/* A frame each, one more to end, and one for each trampoline undone. */
	bpf_loop(UW_MAX_FRAMES + 1 + UW_MAX_URETPROBES, uw_step, &c, 0);
	__u8 end = sc->r.done ? sc->r.end : UW_END_DEPTH;
	uw_count(c.cnt, UW_C_END_BASE + (end & 15));
	return end;
}

#endif /* PROFBUFD_BPF_UNWIND_BPF_H */
