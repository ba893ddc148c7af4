/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of what crosses from the BPF programs to userspace, for
 * every profile kind. Included by bpf/record.bpf.h (with vmlinux.h) and by the
 * C++ side (with <linux/types.h>); userspace static_asserts the layout
 * (userspace/core/record.h) and copies nothing of it.
 */
#ifndef PROFBUFD_BPF_PROFBUFD_H
#define PROFBUFD_BPF_PROFBUFD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PROFBUFD_MAX_FRAMES 127 /* per stack: kernel and user each... */
/* ...except a user stack walked by the table walker (bpf/unwind.bpf.h) with no
 * kernel frames beside it (a tick in user mode): it may take all of frames[]. */
#define PROFBUFD_MAX_USER_FRAMES (2 * PROFBUFD_MAX_FRAMES)
/* Every frame of a stack after the first is a return address: readers look
 * up address - 1, the call. A frame whose pc is exact although it is not the
 * first (the interrupted pc below a signal frame) is written as pc + 1, so
 * that the same rule lands on it. */
#define PROFBUFD_COMM_LEN 16
#define PROFBUFD_MAX_PIDS 32 /* entries of the shared pid filter map */
#define PROFBUFD_MAX_CGROUPS 16 /* entries of the shared cgroup filter map */
/*
 * Slots of the shared counters map, one per kind. Fixed, so that adding a kind
 * changes no map size; a kind's id must stay below it.
 */
#define PROFBUFD_MAX_KINDS 8

/* What a record measures: its `kind`, and the index of its counters slot. */
enum profbufd_kind {
	PROFBUFD_KIND_CPU = 0, /* a cpu-clock tick; value: its period in ns */
	PROFBUFD_KIND_BLOCK = 1, /* a thread back on CPU after blocking; value: ns off CPU */
	PROFBUFD_KIND_THREADCREATE = 2, /* a task created (fork/clone); value: 1 */
	PROFBUFD_KIND_MUTEX = 3, /* a futex wait that ended; value: ns waited */
	PROFBUFD_KIND_HEAP = 4, /* a sampled allocation (malloc/calloc/realloc);
				 * value: bytes asked for */
	PROFBUFD_KIND_GOROUTINE = 5, /* a thread at a snapshot's instant; value: 1 */
};

/* Flags of a threadcreate record (its header's `flags`). */
enum profbufd_threadcreate_flag {
	PROFBUFD_CREATED_THREAD = 1, /* the new task shares its creator's process
				      * (CLONE_THREAD); else it is a new process */
};

/*
 * Flags of a goroutine record: the thread's state as ps prints it, the index
 * the kernel's task_state_index() gives it (fs/proc/array.c: "RSDTtXZPI").
 */
enum profbufd_task_state {
	PROFBUFD_TASK_RUNNING = 0,     /* R */
	PROFBUFD_TASK_SLEEPING = 1,    /* S: interruptible */
	PROFBUFD_TASK_DISK_SLEEP = 2,  /* D: uninterruptible */
	PROFBUFD_TASK_STOPPED = 3,     /* T */
	PROFBUFD_TASK_TRACED = 4,      /* t */
	PROFBUFD_TASK_DEAD = 5,        /* X */
	PROFBUFD_TASK_ZOMBIE = 6,      /* Z */
	PROFBUFD_TASK_PARKED = 7,      /* P */
	PROFBUFD_TASK_IDLE = 8,        /* I: an idle kernel thread */
	PROFBUFD_TASK_STATES = 9,
};

/*
 * What the goroutine kind's iterator (bpf/goroutine.bpf.c) writes to its
 * reader for each thread it keeps, one __u64: the ring's fill in bytes right
 * after the thread's record was submitted (for a person reading the
 * iterator with bpftool; profbufd only counts the words), or this when the
 * ring was full and the record was dropped (counted in the shared counters
 * too).
 */
#define PROFBUFD_GOROUTINE_DROPPED (~0ULL)

/*
 * What a stack holds. OK: frames, and for a user stack walked with tables
 * (--unwind=auto|dwarf) the walk reached the outermost frame; with frame
 * pointers (bpf_get_stack) the kernel does not say whether it did. The
 * TRUNCATED_* statuses are user stacks walked with tables that stopped early
 * (enum uw_end of bpf/unwind.h): their frames are kept, and the status says why.
 */
enum profbufd_stack_status {
	PROFBUFD_STACK_OK = 0,            /* frames[] holds >= 1 frame */
	PROFBUFD_STACK_KERNEL_THREAD = 1, /* user stack: the task has no user space */
	PROFBUFD_STACK_EMPTY = 2,         /* the walker returned no frames */
	PROFBUFD_STACK_ERROR = 3,         /* bpf_get_stack failed; errno in *_err */
	PROFBUFD_STACK_NOT_COLLECTED = 4, /* not asked for (e.g. user stack of idle) */
	PROFBUFD_STACK_TRUNCATED_DEPTH = 5,       /* the depth limit */
	PROFBUFD_STACK_TRUNCATED_NO_TABLE = 6,    /* no unwind table for a frame */
	PROFBUFD_STACK_TRUNCATED_PENDING = 7,     /* the table was not built yet */
	PROFBUFD_STACK_TRUNCATED_UNSUPPORTED = 8, /* a rule the walker does not support */
	PROFBUFD_STACK_TRUNCATED_UNREADABLE = 9,  /* user memory could not be read */
	PROFBUFD_STACK_TRUNCATED_BAD_PC = 10,     /* an address that cannot be code */
};

/* Which filters of struct profbufd_settings are on (its `filters` bits). */
enum profbufd_filter {
	PROFBUFD_FILTER_PIDS = 1,    /* keep tgids in the `pids` map */
	PROFBUFD_FILTER_CGROUPS = 2, /* keep tasks under a cgroup of `cgroup_filter` */
};

/*
 * What every kind's program is told at run time: the single value of the
 * shared ARRAY map `settings`, written by userspace whenever the filters change
 * (start, SIGHUP), read by every program on every event. A map value rather
 * than .rodata knobs, so that changing it needs no reload of any program.
 *
 * With several filters on, a record is kept when it passes any one of them
 * (the union: --pid and --cgroup each add what they name).
 *
 * Userspace rewrites the whole value with one map update; a program running
 * on another CPU meanwhile may see the old or the new fields (each 4-byte
 * field is written whole), so a record at the instant of a change is judged
 * by either the old or the new filters, never by something else.
 */
struct profbufd_settings {
	__u32 filters; /* enum profbufd_filter bits; 0: keep everything */
	__u32 cgroups; /* used entries of `cgroup_filter`, from index 0 */
};

/*
 * The header every record of every kind starts with.
 *
 * value is what the record weighs in its kind's unit: the CPU time one tick
 * stands for (its period, ns), nanoseconds for an off-CPU interval, bytes for
 * an allocation. flags are
 * kind-specific label bits (0 unless the kind documents them).
 */
struct profbufd_record {
	__u64 time_ns;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 value;     /* CPU: the tick's sampling period in ns (1e9 / frequency) */
	__u64 cgroup_id; /* bpf_get_current_cgroup_id(): cgroup v2 id, 0 without v2 */
	__u32 pid;       /* tgid; 0 for the idle task */
	__u32 tid;
	__u32 cpu;
	__u16 kind;      /* enum profbufd_kind */
	__u16 flags;
	__u16 kernel_frames;
	__u16 user_frames;
	__s16 kernel_err; /* negative errno when kernel_status == ERROR, else 0 */
	__s16 user_err;
	__u8 kernel_status; /* enum profbufd_stack_status */
	__u8 user_status;
	__u16 python_frames; /* Python frames (two words each) behind the user frames */
	__u8 python_status;  /* enum py_end of bpf/python.h */
	__u8 pad[3];
	char comm[PROFBUFD_COMM_LEN];
};

#define PROFBUFD_RECORD_HEADER_BYTES 72

/*
 * One record as a BPF program submits it to the shared ringbuf. frames[] holds
 * kernel_frames kernel addresses (leaf first), immediately followed by
 * user_frames user addresses (leaf first), then python_frames Python frames
 * of two words each (innermost first; bpf/python.h). Only the first
 * PROFBUFD_RECORD_HEADER_BYTES + 8 * (kernel_frames + user_frames +
 * 2 * python_frames) bytes are meaningful.
 */
struct profbufd_sample {
	struct profbufd_record hdr;
	__u64 frames[2 * PROFBUFD_MAX_FRAMES];
};

/*
 * Per-CPU, per-kind counters (value of the shared PERCPU_ARRAY `counters`,
 * indexed by kind), read by userspace at any time.
 */
struct profbufd_counters {
	__u64 seen;      /* records that passed the filters */
	__u64 dropped;   /* of those, lost because the ringbuf reservation failed */
	__u64 peak_used; /* highest ring fill seen right after a reservation */
};

/*
 * The block kind (bpf/block.bpf.c): the last blocking interval of each thread,
 * the value of its `blocked` hash map keyed by tid, which userspace reads when
 * a window ends to account threads still blocked then (kinds/block/).
 * woken_ns is 0 while the thread is still off CPU.
 */
#define PROFBUFD_MAX_BLOCKED 16384 /* threads tracked at once */

struct profbufd_blocked {
	__u64 since_ns;  /* bpf_ktime_get_ns() when it left the CPU blocked */
	__u64 woken_ns;  /* when it was back on CPU; 0: not yet */
	__u64 cgroup_id;
	__u32 pid;       /* tgid */
	__u32 sampled;   /* 1: kept by the sampling probability (records are emitted) */
	char comm[PROFBUFD_COMM_LEN];
};

/* Per-CPU counters of the block kind (its `block_counters` map, one entry). */
struct profbufd_block_counters {
	__u64 untracked; /* blocks not tracked: the `blocked` map was full */
	__u64 too_short; /* blocks shorter than the minimum: no record, no unwind */
	__u64 unfinished; /* recorded blocks whose thread did not return from a
			   * syscall before the next one on its CPU: lost */
};

/* Per-CPU counters of the mutex kind (its `mutex_counters` map, one entry). */
struct profbufd_mutex_counters {
	__u64 untracked; /* futex waits not tracked: no task storage for the thread */
	__u64 too_short; /* waits shorter than the minimum: no record, no unwind */
};

/*
 * Per-CPU counters of the heap kind (bpf/heap.bpf.c, its `heap_counters`
 * map, one entry): every probed call, sampled or not, since the object was
 * loaded. The sampled ones are the records (counted as `seen` in the shared
 * counters, their losses as `dropped`).
 */
struct profbufd_heap_counters {
	__u64 calls;     /* malloc, calloc and realloc calls seen */
	__u64 bytes;     /* bytes they asked for */
	__u64 untracked; /* calls whose thread's countdown could not be stored:
			  * not sampled (the countdown map was full) */
	__u64 live_full; /* sampled allocations left out of in-use: the
			  * `heap_live` map was full when they returned */
	__u64 freed;     /* sampled allocations freed (free, or realloc moving
			  * them) while tracked in `heap_live` */
};

/*
 * The heap kind's in-use books: one entry of its `heap_live` hash per sampled
 * allocation that has returned and is not freed yet, keyed by process and
 * address, naming the record that sampled it (its thread and time_ns), which
 * userspace matches to the record's stack (kinds/heap/heap_books.h).
 */
#define PROFBUFD_HEAP_LIVE_MAX 65536

struct profbufd_heap_live_key {
	__u32 pid; /* tgid */
	__u32 pad;
	__u64 ptr; /* the address malloc, calloc or realloc returned */
};

struct profbufd_heap_live {
	__u64 time_ns; /* the sampling record's time_ns */
	__u64 bytes;   /* its value: the bytes asked for */
	__u32 tid;     /* its thread */
	__u32 pad;
};

#endif /* PROFBUFD_BPF_PROFBUFD_H */
