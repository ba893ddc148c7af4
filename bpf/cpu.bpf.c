// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * profbufd's sampler: runs on every tick of a per-CPU cpu-clock perf event and
 * submits one struct profbufd_sample (bpf/profbufd.h) per sample to a ringbuf.
 *
 * Order of work in on_cpu_clock(), cheapest rejection first:
 *   1. filters (--no-idle, --pid): decided from the tgid alone, before any
 *      stack walk and before touching the ringbuf;
 *   2. count the sample as seen (per-CPU counter);
 *   3. reserve a fixed-size record in the ringbuf; on failure count a drop and
 *      stop (a sample is never lost without a count);
 *   4. fill the record in place: ids, time, comm, kernel stack at frames[0],
 *      user stack right behind it at frames[kernel_frames];
 *   5. submit, waking userspace only when the ring is getting full.
 *
 * Why reserve a fixed-size record instead of bpf_ringbuf_output() of exactly
 * the used bytes: bpf_ringbuf_reserve() needs a constant size, so a
 * variable-size record would have to be built in a per-CPU scratch array and
 * then copied (up to 2 KiB per sample) into the ring. Reserving the full
 * sizeof(struct profbufd_sample) lets bpf_get_stack() write straight into the
 * ring: no copy, no scratch map. The price is ring space (2 KiB per record
 * whatever the depth), which userspace pays for by sizing the ring for one
 * second of full-size records; at profiling rates (tens to hundreds of Hz per
 * CPU) that is a few hundred KiB per CPU at most.
 *
 * The user stack lands at a variable offset (right after the kernel frames) so
 * that userspace reads frames[] as one contiguous stack, kernel frames first.
 * The verifier accepts this because the offset is clamped to
 * PROFBUFD_MAX_FRAMES and the user walk is given at most PROFBUFD_MAX_FRAMES
 * slots, so offset + size never passes the end of frames[].
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "profbufd.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PROFBUFD_MAX_PIDS 32
#define STACK_BYTES (PROFBUFD_MAX_FRAMES * sizeof(__u64))

/*
 * Knobs set by userspace between open and load (they live in .rodata, so the
 * verifier sees them as constants and prunes the branches they disable).
 */
const volatile bool filter_pids = false; /* only sample tgids in `pids` */
const volatile bool no_idle = false;     /* drop samples of the idle task */
/* Force a wakeup once this many bytes wait in the ring (userspace: ring/4). */
const volatile __u64 wakeup_bytes = 0;

/*
 * Per-CPU counters, read (summed per CPU) by userspace at any time. Each CPU
 * only touches its own slot from its own perf event, so plain increments are
 * enough: a perf_event program does not nest with itself on one CPU.
 */
struct cpu_counters {
	__u64 seen;      /* samples that passed the filters */
	__u64 dropped;   /* of those, lost because the ringbuf reservation failed */
	__u64 peak_used; /* highest ring fill seen right after a reservation */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_counters);
} counters SEC(".maps");

/* tgids to sample when filter_pids is set; the value is unused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFBUFD_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

/* max_entries (bytes, a power of two) is set by userspace before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} samples SEC(".maps");

/* Turns a bpf_get_stack() result into (frames, status, errno) fields. */
static __always_inline __u16 stack_result(long ret, __u8 *status, __s16 *err)
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

SEC("perf_event")
int on_cpu_clock(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	__u32 tid = (__u32)id;
	__u32 zero = 0;

	/* The idle task is tgid 0 on every CPU (comm "swapper/N"). */
	if (no_idle && tgid == 0)
		return 0;
	if (filter_pids && !bpf_map_lookup_elem(&pids, &tgid))
		return 0;

	struct cpu_counters *c = bpf_map_lookup_elem(&counters, &zero);
	if (!c) /* cannot happen for a PERCPU_ARRAY key 0; keeps the verifier happy */
		return 0;
	c->seen++;

	struct profbufd_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		c->dropped++;
		return 0;
	}

	s->time_ns = bpf_ktime_get_ns();
	s->pid = tgid;
	s->tid = tid;
	s->cpu = bpf_get_smp_processor_id();
	s->pad[0] = 0;
	s->pad[1] = 0;
	bpf_get_current_comm(s->comm, sizeof(s->comm));

	/* Kernel stack: empty (0 frames) when the tick interrupted user mode. */
	long kret = bpf_get_stack(ctx, s->frames, STACK_BYTES, 0);
	__u16 kframes = stack_result(kret, &s->kernel_status, &s->kernel_err);
	/* Clamp for the verifier (bpf_get_stack never returns more than asked). */
	if (kframes > PROFBUFD_MAX_FRAMES)
		kframes = PROFBUFD_MAX_FRAMES;
	s->kernel_frames = kframes;

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	s->user_frames = 0;
	s->user_err = 0;
	if (tgid == 0) {
		/* Idle has no user half to walk. */
		s->user_status = PROFBUFD_STACK_NOT_COLLECTED;
	} else if (!BPF_CORE_READ(task, mm)) {
		/* Kernel threads have no user stack: say so instead of walking. */
		s->user_status = PROFBUFD_STACK_KERNEL_THREAD;
	} else {
		long uret = bpf_get_stack(ctx, &s->frames[kframes], STACK_BYTES,
					  BPF_F_USER_STACK);
		__u16 uframes = stack_result(uret, &s->user_status, &s->user_err);
		if (uframes > PROFBUFD_MAX_FRAMES)
			uframes = PROFBUFD_MAX_FRAMES;
		s->user_frames = uframes;
	}

	/*
	 * Wakeups: waking the loader for every sample would cost a context switch
	 * per tick per CPU. The loader drains on a timer instead (every 50 ms), so
	 * ordinary submits do not wake it; only when a quarter of the ring is
	 * waiting do we force a wakeup, so that a burst drains before the ring
	 * fills. The fill includes the record reserved above.
	 */
	__u64 used = bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA);
	if (used > c->peak_used)
		c->peak_used = used;
	__u64 flags = (wakeup_bytes && used >= wakeup_bytes) ? BPF_RB_FORCE_WAKEUP
							      : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(s, flags);
	return 0;
}
