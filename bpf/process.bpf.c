// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process events for the user-stack walker (unwind.bpf.h): when a process
 * exec's or exits, the mappings userspace published for it are deleted here at
 * once, before any of its records can be walked against them, and userspace is
 * told so it forgets the process too; so is its Python interpreter
 * (python.bpf.h), and the thread state of every thread that exits. Each report
 * carries its time, which splits the pid's samples between the program that
 * ended and whatever runs under the pid next. Loaded with the walker and
 * without it (--unwind fp), where only the reports matter
 * (userspace/unwind/end_listener.h).
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "python.bpf.h"
#include "unwind.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void uw_forget(__u32 kind, __u32 pid)
{
	bpf_map_delete_elem(&uw_procs, &pid);
	bpf_map_delete_elem(&uw_asked, &pid);
	bpf_map_delete_elem(&py_procs, &pid);
	struct uw_event *e = bpf_ringbuf_reserve(&uw_events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		uw_count(bpf_map_lookup_elem(&uw_counters, &zero), UW_C_ENDS_FULL);
		return;
	}
	e->kind = kind;
	e->pid = pid;
	e->start_time = 0;
	e->pc = 0;
	e->time_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
}

/* BTF-typed tracepoints (5.5+): no tracefs needed, unlike tp/. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	uw_forget(UW_EVENT_EXEC, bpf_get_current_pid_tgid() >> 32);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	bpf_map_delete_elem(&py_threads, &tid);
	/* The last thread's exit ends the process, whichever thread it is (the
	 * leader may pthread_exit first): do_exit() has counted this thread out
	 * of signal->live before the tracepoint. Two threads exiting at once may
	 * both read 0; userspace takes the second report as a repeat. */
	if (BPF_CORE_READ(p, signal, live.counter) == 0)
		uw_forget(UW_EVENT_EXIT, id >> 32);
	return 0;
}
