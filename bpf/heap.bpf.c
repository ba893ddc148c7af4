// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The heap kind: sampled allocations of the processes userspace probes, one
 * record per sampled allocation call (malloc, calloc, realloc, and the
 * aligned ones: aligned_alloc = memalign, posix_memalign, valloc, pvalloc),
 * weighing the bytes asked for, with the caller's user stack; and which of
 * them are still in use.
 *
 * The programs are uprobes on libc's allocation calls, attached by
 * userspace for one process at a time (kinds/heap/heap_probes.cpp, on an HTTP
 * request for that pid), and for a request of in-use memory (the heap path)
 * a uretprobe on each and a uprobe on free besides: nothing
 * here runs for other processes, so no pid filter is consulted (the request
 * names its pid; the shared filters of profbufd_wanted() are for the
 * machine-wide kinds). Each probed call traps into the kernel (a breakpoint),
 * and with in-use each return of an allocation and each free too, which is
 * why this kind is opt-in per pid and request.
 *
 *   entry of malloc(size), calloc(n, size), realloc(p, size),
 *   aligned_alloc(align, size), posix_memalign(&p, align, size),
 *   valloc(size), pvalloc(size)
 *     -> an aligned call of an alignment malloc gives anyway (<= 16) is
 *        left to malloc's probe: glibc hands it to malloc itself
 *     -> count the call and its bytes (heap_counters)
 *     -> realloc: p, if tracked, is freed (it moves or is resized: the new
 *        block is a new allocation, as Go's heap profile sees realloc)
 *     -> the thread's countdown -= bytes; still above zero: done
 *     -> else a new countdown (exponential, mean sample_rate: heap_sample.h)
 *        and one record, value = bytes, user stack walked as for any
 *        current task (the registers are malloc's entry: the table walker
 *        sees the caller's frame exactly; frame pointers miss the direct
 *        caller, whose frame the callee has not built yet); the thread's
 *        pending sample notes the record (time_ns, bytes) and the stack
 *        pointer
 *   return of each (in-use only)
 *     -> the thread's pending sample is this call's: the address returned
 *        (posix_memalign: the one it stored) is live,
 *        heap_live[pid, address] = the record's (tid, time_ns, bytes)
 *   entry of free(p) (in-use only)
 *     -> heap_live[pid, p] is deleted (freed)
 *
 * Userspace reads heap_live when a window ends: the records whose
 * allocation is still there are the in-use ones (kinds/heap/heap_books.h).
 *
 * Sampling at the entry needs no uretprobe: the size is known there, and an
 * allocation that fails (NULL) is still counted, which the scaling does not
 * mind. The countdown lives in an LRU hash keyed by thread id: a thread that
 * exits leaves its entry until the LRU reuses it, and a thread whose entry
 * was evicted starts a new countdown (the interval is memoryless, so nothing
 * is biased). A countdown that cannot be stored is counted as untracked; a
 * sampled allocation that does not fit heap_live, as live_full.
 *
 * What is not seen: allocations that bypass these symbols (mmap; C++'s
 * operator new is seen, as libstdc++'s calls malloc, and its aligned form
 * aligned_alloc), and processes without a dynamic libc. A realloc that fails
 * leaves its block allocated, but the block has left heap_live at the
 * entry: in-use then misses it.
 */
#include "record.bpf.h"

#include "heap_sample.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Mean bytes between samples (set between open and load; --heap-rate). */
const volatile __u64 sample_rate = 512 * 1024;

/*
 * A thread's sampling state: its countdown, and the sampled allocation it is
 * in (entry seen, return not yet; time_ns 0: none). Every entry rewrites
 * `pending`, so a return matches only the entry just before it: one whose
 * stack pointer is the entry's plus the popped return address (a nested
 * call, realloc(NULL, n) into malloc, overwrites it: the outer return then
 * tracks nothing).
 */
/* What the return pops off the stack: x86's call pushed the return address;
 * arm64's is in the link register. */
#if defined(__TARGET_ARCH_arm64)
#define HEAP_RET_POP 0
#else
#define HEAP_RET_POP 8
#endif

struct heap_thread {
	__s64 left; /* bytes left before the next sample */
	__u64 pending_time_ns; /* the sampling record's time_ns */
	__u64 pending_bytes;
	__u64 pending_sp; /* the stack pointer at the entry */
	__u64 pending_out; /* posix_memalign: where it stores the address */
};

/* What glibc's malloc aligns to anyway (MALLOC_ALIGNMENT, 2 * sizeof(size_t)
 * on 64-bit): _mid_memalign() hands an aligned call of no more to
 * __libc_malloc, whose probe records it. */
#define HEAP_MALLOC_ALIGNMENT 16

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct heap_thread);
} heap_countdown SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct profbufd_heap_counters);
} heap_counters SEC(".maps");

/* Allocated only as entries are added: most probed processes keep few
 * sampled allocations live (one per 512 KiB in use, at the default rate). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PROFBUFD_HEAP_LIVE_MAX);
	__type(key, struct profbufd_heap_live_key);
	__type(value, struct profbufd_heap_live);
} heap_live SEC(".maps");

static __always_inline struct profbufd_heap_counters *heap_count(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&heap_counters, &zero);
}

static __always_inline __s64 heap_interval(void)
{
	__u64 rate = sample_rate ? sample_rate : 1;
	return (__s64)heap_next_sample(bpf_get_prandom_u32(), rate);
}

/* The current thread's state, made on its first call; null when the map
 * has no room (counted: the call is not sampled). */
static __always_inline struct heap_thread *heap_thread(struct profbufd_heap_counters *hc)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct heap_thread *t = bpf_map_lookup_elem(&heap_countdown, &tid);
	if (t)
		return t;
	struct heap_thread first = {.left = heap_interval()};
	if (bpf_map_update_elem(&heap_countdown, &tid, &first, BPF_ANY) != 0) {
		if (hc)
			hc->untracked++;
		return NULL;
	}
	return bpf_map_lookup_elem(&heap_countdown, &tid);
}

/* An allocation of `bytes` by the current thread: counted, and sampled when
 * it reaches the thread's sample point. */
static __always_inline struct heap_thread *heap_record(struct pt_regs *ctx, __u64 bytes)
{
	struct profbufd_heap_counters *hc = heap_count();
	if (hc) {
		hc->calls++;
		hc->bytes += bytes;
	}
	struct heap_thread *t = heap_thread(hc);
	if (!t)
		return NULL;
	t->pending_time_ns = 0;
	/* As Go's mallocgc: the allocation that reaches the sample point is
	 * sampled, and the next countdown starts afresh. */
	if ((__u64)t->left > bytes) {
		t->left -= bytes;
		return t;
	}
	t->left = heap_interval();
	/* A record lost in the ring leaves nothing to match (time 0): it is
	 * counted as lost, and its allocation is not tracked. */
	t->pending_time_ns = profbufd_emit_user_only(ctx, PROFBUFD_KIND_HEAP, bytes, 0);
	t->pending_bytes = bytes;
	t->pending_sp = PT_REGS_SP(ctx);
	t->pending_out = 0;
	return t;
}

static __always_inline void heap_forget(__u64 ptr)
{
	if (ptr == 0)
		return;
	struct profbufd_heap_live_key key = {
		.pid = bpf_get_current_pid_tgid() >> 32,
		.ptr = ptr,
	};
	if (bpf_map_delete_elem(&heap_live, &key) == 0) {
		struct profbufd_heap_counters *hc = heap_count();
		if (hc)
			hc->freed++;
	}
}

SEC("uprobe")
int BPF_KPROBE(on_malloc, __u64 size)
{
	heap_record(ctx, size);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(on_calloc, __u64 n, __u64 size)
{
	heap_record(ctx, n * size);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(on_realloc, void *ptr, __u64 size)
{
	heap_forget((__u64)ptr);
	heap_record(ctx, size);
	return 0;
}

/* aligned_alloc and memalign (one function in glibc). */
SEC("uprobe")
int BPF_KPROBE(on_aligned_alloc, __u64 align, __u64 size)
{
	if (align > HEAP_MALLOC_ALIGNMENT)
		heap_record(ctx, size);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(on_posix_memalign, void **out, __u64 align, __u64 size)
{
	if (align <= HEAP_MALLOC_ALIGNMENT)
		return 0;
	struct heap_thread *t = heap_record(ctx, size);
	if (t && t->pending_time_ns)
		t->pending_out = (__u64)out;
	return 0;
}

/* valloc and pvalloc: page-aligned, never handed to malloc. */
SEC("uprobe")
int BPF_KPROBE(on_valloc, __u64 size)
{
	heap_record(ctx, size);
	return 0;
}

/* The current thread's pending sample, when this return is its call's. */
static __always_inline struct heap_thread *heap_pending(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct heap_thread *t = bpf_map_lookup_elem(&heap_countdown, &tid);
	if (!t || t->pending_time_ns == 0 || PT_REGS_SP(ctx) != t->pending_sp + HEAP_RET_POP)
		return NULL;
	return t;
}

/* `ptr` is the live block of the pending sample `t`, which ends here. */
static __always_inline void heap_track(struct heap_thread *t, __u64 ptr)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct profbufd_heap_live live = {
		.time_ns = t->pending_time_ns, .bytes = t->pending_bytes, .tid = (__u32)id};
	t->pending_time_ns = 0;
	if (!ptr)
		return;
	struct profbufd_heap_live_key key = {.pid = id >> 32, .ptr = ptr};
	if (bpf_map_update_elem(&heap_live, &key, &live, BPF_ANY) != 0) {
		struct profbufd_heap_counters *hc = heap_count();
		if (hc)
			hc->live_full++;
	}
}

/* Attached to the returns of every call that returns its block. */
SEC("uretprobe")
int BPF_KRETPROBE(on_alloc_return, void *ret)
{
	struct heap_thread *t = heap_pending(ctx);
	if (t)
		heap_track(t, (__u64)ret);
	return 0;
}

/* posix_memalign's return: 0, and the block stored where it was asked. */
SEC("uretprobe")
int BPF_KRETPROBE(on_posix_memalign_return, int ret)
{
	struct heap_thread *t = heap_pending(ctx);
	if (!t)
		return 0;
	__u64 ptr = 0;
	if (ret != 0 || !t->pending_out ||
	    bpf_probe_read_user(&ptr, sizeof(ptr), (void *)t->pending_out) != 0)
		ptr = 0;
	heap_track(t, ptr);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(on_free, void *ptr)
{
	heap_forget((__u64)ptr);
	return 0;
}
