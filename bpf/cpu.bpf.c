// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CPU kind: runs on every tick of a per-CPU cpu-clock perf event and
 * submits one record per tick, weighing the tick's period (ns), with the
 * kernel and user stacks of whatever ran. The shared steps are in record.bpf.h; what is the CPU
 * kind's own is the --no-idle filter.
 */
#include "record.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool no_idle = false; /* drop samples of the idle task */

SEC("perf_event")
int on_cpu_clock(struct bpf_perf_event_data *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	/* The idle task is tgid 0 on every CPU (comm "swapper/N"). */
	if (no_idle && tgid == 0)
		return 0;
	if (!profbufd_wanted(tgid))
		return 0;

	struct profbufd_counters *c;
	struct profbufd_sample *s = profbufd_reserve(PROFBUFD_KIND_CPU, &c);
	if (!s)
		return 0;
	/*
	 * The tick weighs its period: cpu-clock turns the requested frequency
	 * into a fixed period in ns when the event is opened, so every tick of
	 * an event weighs the same, and a window that spans a change of
	 * frequency (SIGHUP reopens the events) still adds up to CPU time.
	 */
	profbufd_fill_header(s, PROFBUFD_KIND_CPU, ctx->sample_period, 0);
	profbufd_collect_stacks(ctx, s);
	profbufd_submit(s, c);
	return 0;
}
