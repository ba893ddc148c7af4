// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the filters and the cgroup id cost per sample, measured with the
 * kernel's own per-program run time (kernel.bpf_stats_enabled) by
 * tests/bench/filter_cost_bench.cpp. Each program runs on cpu-clock ticks of
 * its own perf events and uses record.bpf.h exactly as the kinds do:
 *
 *   fc_base       100 x (pid lookup + a per-CPU add): the baseline
 *   fc_cgroup_id  100 x (bpf_get_current_cgroup_id() + the add)
 *   fc_wanted     100 x (profbufd_wanted() + the add), under whatever
 *                 filters userspace set (its pid lookup included, as there)
 *   fc_sample     the CPU kind's whole sample, once: filter, reserve,
 *                 header, both stacks, submit (cpu.bpf.c), same filters
 */
#include "record.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* A slot of the shared counters no kind uses. */
#define FC_KIND (PROFBUFD_MAX_KINDS - 1)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink SEC(".maps");

/* Keeps a result alive, so the compiler cannot drop the work before it. */
static __always_inline void keep(__u64 v)
{
	__u32 zero = 0;
	__u64 *p = bpf_map_lookup_elem(&sink, &zero);
	if (p)
		*p += v;
}

/*
 * The operations are timed in a loop of FC_LOOPS (bpf_loop), so that the
 * cost of entering the program and of a cold cache after the interrupt,
 * which differ from event to event, is spread thin: (loop program - base
 * loop) / FC_LOOPS is what one operation adds once warm.
 */
#define FC_LOOPS 100

static long op_cgroup_id(__u64 i, void *ctx)
{
	keep(i + bpf_get_current_cgroup_id());
	return 0;
}

static long op_wanted(__u64 i, void *ctx)
{
	keep(i + profbufd_wanted(bpf_get_current_pid_tgid() >> 32));
	return 0;
}

/* base pays the pid lookup once; op_wanted pays it per loop, as the filter does */
static long op_pid_tgid(__u64 i, void *ctx)
{
	keep(i + (bpf_get_current_pid_tgid() >> 32));
	return 0;
}

SEC("perf_event")
int fc_base(struct bpf_perf_event_data *ctx)
{
	bpf_loop(FC_LOOPS, op_pid_tgid, 0, 0);
	return 0;
}

SEC("perf_event")
int fc_cgroup_id(struct bpf_perf_event_data *ctx)
{
	bpf_loop(FC_LOOPS, op_cgroup_id, 0, 0);
	return 0;
}

SEC("perf_event")
int fc_wanted(struct bpf_perf_event_data *ctx)
{
	bpf_loop(FC_LOOPS, op_wanted, 0, 0);
	return 0;
}

/* The CPU kind's program as it runs on a tick, once, cold as it is then. */
SEC("perf_event")
int fc_sample(struct bpf_perf_event_data *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!profbufd_wanted(tgid))
		return 0;
	struct profbufd_counters *c;
	struct profbufd_sample *s = profbufd_reserve(FC_KIND, &c);
	if (!s)
		return 0;
	profbufd_fill_header(s, FC_KIND, ctx->sample_period, 0);
	profbufd_collect_stacks(ctx, s);
	profbufd_submit(s, c);
	return 0;
}
