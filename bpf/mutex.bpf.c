// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The mutex kind: user-space lock contention, as the futex waits it costs.
 * One record per futex wait of at least min_wait_ns, weighing the
 * nanoseconds waited, with the waiter's user stack (the lock call that
 * waited: pthread_mutex_lock <- the caller).
 *
 *   sys_enter, futex(2) with a wait op -> this task's wait began now
 *     (FUTEX_WAIT, _WAIT_BITSET,          (task storage)
 *      _LOCK_PI, _LOCK_PI2,
 *      _WAIT_REQUEUE_PI; private and
 *      clock flags masked)
 *   sys_exit of that futex(2)           -> waited = now - began; shorter than
 *                                          min_wait_ns: counted, no record;
 *                                          else one record, the user stack
 *                                          walked as for any current task
 *
 * The filter runs before any unwinding, so a short wait costs two task
 * storage lookups and no walk. The stack is taken at the exit because that is
 * where the wait's length is known and the waiter is current (its user
 * registers are the syscall's, so the stack is the waiting call's). No
 * kernel stack is taken: it would be the syscall exit path, the same for
 * every record.
 *
 * The registers are read directly (a tp_btf argument is a typed kernel
 * pointer the verifier lets the program load from), not with
 * bpf_probe_read_kernel(): every syscall of the machine pays the exit's
 * compare, so it must not pay a helper call too.
 *
 * Why tp_btf/sys_enter and sys_exit, filtered here on the syscall number,
 * rather than the syscalls:sys_enter_futex tracepoints: those need tracefs
 * mounted (libbpf reads the event id there), which this project's CI kernel
 * does not have; the raw syscall tracepoints need only BTF. Their price is a
 * compare on every syscall of the machine while attached.
 *
 * Per-thread state lives in task storage: bounded by the tasks that exist,
 * freed by the kernel when a task exits, so a thread that dies inside a wait
 * (exit_group while parked on a condition variable) leaves nothing behind. A
 * wait whose storage cannot be made (no memory, or the storage busy on this
 * CPU) is counted as untracked (a lost sample).
 *
 * What is not seen: futex_waitv(2) and futex_wait(2) (6.7+), which glibc's
 * locks do not use, the 32-bit compat futex, and waits that began before the
 * kind attached.
 */
#include "record.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Shorter waits make no record (set between open and load). */
const volatile __u64 min_wait_ns = 10000;

#if defined(__TARGET_ARCH_x86)
#define MUTEX_NR_FUTEX 202
#define MUTEX_SYSCALL_NR(regs) ((regs)->orig_ax)
#define MUTEX_FUTEX_OP(regs) ((regs)->si)
#elif defined(__TARGET_ARCH_arm64)
#define MUTEX_NR_FUTEX 98
#define MUTEX_SYSCALL_NR(regs) ((regs)->syscallno)
#define MUTEX_FUTEX_OP(regs) ((regs)->regs[1])
#else
#error "the mutex kind knows the futex syscall of x86_64 and arm64 only"
#endif

/* include/uapi/linux/futex.h */
#define MUTEX_FUTEX_WAIT 0
#define MUTEX_FUTEX_LOCK_PI 6
#define MUTEX_FUTEX_WAIT_BITSET 9
#define MUTEX_FUTEX_WAIT_REQUEUE_PI 11
#define MUTEX_FUTEX_LOCK_PI2 13
#define MUTEX_FUTEX_PRIVATE_FLAG 128
#define MUTEX_FUTEX_CLOCK_REALTIME 256

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64); /* when the wait began; 0: not waiting */
} futex_waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct profbufd_mutex_counters);
} mutex_counters SEC(".maps");

/* When userspace last linked the programs (bpf_ktime_get_ns()): a wait that
 * began before is from an earlier linking, whose end went unseen while the
 * programs were unlinked (kinds/mutex/mutex_attach.cpp: linked on demand). */
__u64 linked_since_ns = 0;

static __always_inline struct profbufd_mutex_counters *mutex_count(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&mutex_counters, &zero);
}

static __always_inline bool futex_waits_op(long op)
{
	op &= ~(long)(MUTEX_FUTEX_PRIVATE_FLAG | MUTEX_FUTEX_CLOCK_REALTIME);
	return op == MUTEX_FUTEX_WAIT || op == MUTEX_FUTEX_WAIT_BITSET ||
	       op == MUTEX_FUTEX_LOCK_PI || op == MUTEX_FUTEX_LOCK_PI2 ||
	       op == MUTEX_FUTEX_WAIT_REQUEUE_PI;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	if (id != MUTEX_NR_FUTEX || !futex_waits_op(MUTEX_FUTEX_OP(regs)))
		return 0;
	if (!profbufd_wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	__u64 *began = bpf_task_storage_get(&futex_waits, bpf_get_current_task_btf(), 0,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!began) {
		struct profbufd_mutex_counters *mc = mutex_count();
		if (mc)
			mc->untracked++;
		return 0;
	}
	*began = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	if (MUTEX_SYSCALL_NR(regs) != MUTEX_NR_FUTEX)
		return 0;
	__u64 *began = bpf_task_storage_get(&futex_waits, bpf_get_current_task_btf(), 0, 0);
	if (!began || *began == 0)
		return 0;
	__u64 since = *began;
	*began = 0;
	if (since < linked_since_ns)
		return 0;
	__u64 waited = bpf_ktime_get_ns() - since;
	if (waited < min_wait_ns) {
		struct profbufd_mutex_counters *mc = mutex_count();
		if (mc)
			mc->too_short++;
		return 0;
	}
	/* The wait ends at the record's time: windows clip it there
	 * (Accumulate::kSpan). */
	profbufd_emit_user_only(ctx, PROFBUFD_KIND_MUTEX, waited, 0);
	return 0;
}
