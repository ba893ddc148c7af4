// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The heap kind: sampled allocations of the processes userspace probes, one
 * record per sampled malloc, calloc or realloc call, weighing the bytes asked
 * for, with the caller's user stack.
 *
 * The programs are uprobes on libc's malloc, calloc and realloc, attached by
 * userspace for one process at a time (kinds/heap/heap_probes.cpp, on an
 * HTTP request for that pid): nothing here runs for other processes, so no
 * pid filter is consulted (the request names its pid; the shared filters of
 * profbufd_wanted() are for the machine-wide kinds). Each probed call traps
 * into the kernel (a breakpoint), which is why this kind is opt-in per pid.
 *
 *   entry of malloc(size), calloc(n, size), realloc(p, size)
 *     -> count the call and its bytes (heap_counters)
 *     -> the thread's countdown -= bytes; still above zero: done
 *     -> else a new countdown (exponential, mean sample_rate: heap_sample.h)
 *        and one record, value = bytes, user stack walked as for any
 *        current task (the registers are malloc's entry: the table walker
 *        sees the caller's frame exactly; frame pointers miss the direct
 *        caller, whose frame the callee has not built yet)
 *
 * Sampling at the entry needs no uretprobe: the size is known there, and an
 * allocation that fails (NULL) is still counted, which the scaling does not
 * mind. The countdown lives in an LRU hash keyed by thread id: a thread that
 * exits leaves its entry until the LRU reuses it, and a thread whose entry
 * was evicted starts a new countdown (the interval is memoryless, so nothing
 * is biased). A countdown that cannot be stored is counted as untracked.
 *
 * What is not seen: allocations that bypass these three symbols
 * (posix_memalign, aligned_alloc, mmap; C++'s operator new is seen, as
 * libstdc++'s calls malloc), frees (no in-use tracking yet), and processes
 * without a dynamic libc.
 */
#include "record.bpf.h"

#include "heap_sample.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Mean bytes between samples (set between open and load; --heap-rate). */
const volatile __u64 sample_rate = 512 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* tid */
	__type(value, __s64); /* bytes left before the next sample */
} heap_countdown SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct profbufd_heap_counters);
} heap_counters SEC(".maps");

static __always_inline __s64 heap_interval(void)
{
	__u64 rate = sample_rate ? sample_rate : 1;
	return (__s64)heap_next_sample(bpf_get_prandom_u32(), rate);
}

/* Whether an allocation of `bytes` by the current thread is sampled. */
static __always_inline bool heap_sampled(__u64 bytes)
{
	__u32 zero = 0;
	struct profbufd_heap_counters *hc = bpf_map_lookup_elem(&heap_counters, &zero);
	if (hc) {
		hc->calls++;
		hc->bytes += bytes;
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__s64 *left = bpf_map_lookup_elem(&heap_countdown, &tid);
	if (!left) {
		__s64 first = heap_interval();
		if (bpf_map_update_elem(&heap_countdown, &tid, &first, BPF_ANY) != 0) {
			if (hc)
				hc->untracked++;
			return false;
		}
		left = bpf_map_lookup_elem(&heap_countdown, &tid);
		if (!left)
			return false;
	}
	/* As Go's mallocgc: the allocation that reaches the sample point is
	 * sampled, and the next countdown starts afresh. */
	if ((__u64)*left > bytes) {
		*left -= bytes;
		return false;
	}
	*left = heap_interval();
	return true;
}

static __always_inline int heap_record(void *ctx, __u64 bytes)
{
	if (!heap_sampled(bytes))
		return 0;
	struct profbufd_counters *c;
	struct profbufd_sample *s = profbufd_reserve(PROFBUFD_KIND_HEAP, &c);
	if (!s)
		return 0;
	profbufd_fill_header(s, PROFBUFD_KIND_HEAP, bytes, 0);
	s->hdr.kernel_frames = 0;
	s->hdr.kernel_status = PROFBUFD_STACK_NOT_COLLECTED;
	s->hdr.kernel_err = 0;
	profbufd_collect_user(ctx, s, 0);
	profbufd_submit(s, c);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(on_malloc, __u64 size)
{
	return heap_record(ctx, size);
}

SEC("uprobe")
int BPF_KPROBE(on_calloc, __u64 n, __u64 size)
{
	return heap_record(ctx, n * size);
}

SEC("uprobe")
int BPF_KPROBE(on_realloc, void *ptr, __u64 size)
{
	return heap_record(ctx, size);
}
