/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * CPython frames read at sample time (bpf/python.bpf.h), as BPF reads them and
 * userspace writes them (userspace/python/). Included by bpf/python.bpf.h and by
 * the C++ side; every struct and limit of the Python walker is defined here once.
 *
 * The walk of one sample, for a thread of a process userspace found to run a
 * known CPython (py_procs):
 *   tid --py_threads (cache)--> its PyThreadState, else found by walking
 *     _PyRuntime.interpreters.main->threads.head ->next... for the one whose
 *     native_thread_id is the tid
 *   tstate->cframe->current_frame (3.11, 3.12) or tstate->current_frame
 *   (3.13): the innermost _PyInterpreterFrame
 *   each frame: f_code (f_executable in 3.13: the code object), prev_instr
 *   (instr_ptr), previous, and is_entry (3.11) or owner (3.12+)
 * Each Python frame is two words behind the native frames of the record:
 *   word 0: the code object's address | PY_FRAME_ENTRY if the frame is the
 *           first that its _PyEval_EvalFrameDefault call ran: is_entry in
 *           3.11; in 3.12+ the frame just inside the shim frame (owner
 *           PY_OWNED_BY_CSTACK) that each such call pushes, which is not
 *           itself written
 *   word 1: bits 0-31 the index of its last instruction (code units from
 *           co_code_adaptive; 0xffffffff: before the first), bits 32-63 a tag
 *           of the code object's fields (py_code_tag) that userspace checks
 *           before trusting what it reads at that address later.
 */
#ifndef PROFBUFD_BPF_PYTHON_H
#define PROFBUFD_BPF_PYTHON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PY_MAX_FRAMES 127     /* Python frames per sample: all of frames[] */
#define PY_MAX_THREADS 256    /* thread states searched for a tid */
#define PY_MAX_PROCS 4096     /* Python processes at once */
#define PY_MAX_TSTATES 16384  /* tid -> thread state cache entries */
#define PY_FRAME_ENTRY 1ULL   /* word 0: the frame's is_entry (code objects are aligned) */
#define PY_NO_INSTR 0xffffffffU
#define PY_RETRY_NS (1000ULL * 1000 * 1000) /* a thread with no state is searched again after */
#define PY_FRAME_READ 72      /* bytes of a frame read: through is_entry, owner */
#define PY_CODE_READ 32       /* bytes of a code object read at code_tag */
#define PY_OFF_NONE 0xffff    /* a py_layout offset that the version does not have */
#define PY_OWNED_BY_CSTACK 3  /* 3.12+ owner of the shim frame of an evaluator call */

/* Where CPython keeps what the walker reads: byte offsets, per minor version
 * (userspace/python/layout.cpp has the table). */
struct py_layout {
	__u16 runtime_interp_main; /* _PyRuntimeState.interpreters.main */
	__u16 interp_threads_head; /* PyInterpreterState.threads.head */
	__u16 tstate_next;         /* PyThreadState.next */
	__u16 tstate_native_id;    /* PyThreadState.native_thread_id */
	__u16 tstate_cframe;       /* PyThreadState.cframe; 3.13: .current_frame */
	__u16 cframe_current;      /* _PyCFrame.current_frame; 3.13: PY_OFF_NONE */
	__u16 frame_code;          /* _PyInterpreterFrame.f_code (f_executable) */
	__u16 frame_previous;
	__u16 frame_prev_instr;    /* prev_instr; 3.13: instr_ptr */
	__u16 frame_is_entry;      /* 3.11; PY_OFF_NONE after */
	__u16 code_tag;            /* where the PY_CODE_READ tagged bytes start: co_argcount */
	__u16 code_adaptive;       /* co_code_adaptive: the instructions */
	__u16 frame_owner;         /* 3.12+: _PyInterpreterFrame.owner; 3.11: PY_OFF_NONE */
	__u16 pad;
};

/* One Python process (a py_procs value, keyed by tgid). */
struct py_proc {
	__u64 start_time; /* the group leader's, as uw_proc.start_time; 0: filled by the first walk */
	__u64 runtime;    /* the address of _PyRuntime in the process */
	struct py_layout l;
	__u32 version;    /* PY_VERSION_HEX of the interpreter */
};

/* A py_threads value: the thread state of a tid, or 0 when the last search
 * found none (searched again after PY_RETRY_NS). */
struct py_thread {
	__u64 tstate;
	__u64 searched_ns;
};

/* Why a Python walk ended: the record's python status (bpf/profbufd.h). */
enum py_end {
	PY_END_NONE = 0,       /* not a known Python process: no walk */
	PY_END_OK = 1,         /* the outermost frame was reached */
	PY_END_NO_THREAD = 2,  /* no thread state for the thread (not running Python) */
	PY_END_DEPTH = 3,      /* PY_MAX_FRAMES frames */
	PY_END_NO_ROOM = 4,    /* the record had no room left behind the native frames */
	PY_END_UNREADABLE = 5, /* interpreter memory could not be read */
	PY_END__COUNT = 6,
};

/* Per-CPU counters of the Python walker (py_counters.c[]). */
enum py_counter {
	PY_C_WALKS = 0,          /* samples of known Python processes walked */
	PY_C_FRAMES = 1,         /* Python frames recorded */
	PY_C_THREAD_HITS = 2,    /* thread states found in the cache */
	PY_C_THREAD_SEARCHES = 3, /* thread-state lists walked */
	PY_C_STALE_PROCS = 4,    /* py_procs entries of a reused pid: ignored */
	PY_C_END_BASE = 8,       /* + enum py_end: walks by how they ended */
	PY_C__COUNT = 16,
};

struct py_counters {
	__u64 c[PY_C__COUNT];
};

/*
 * The tag of a code object: the eight ints from layout.code_tag (3.11:
 * co_argcount, co_posonlyargcount, co_kwonlyargcount, co_stacksize,
 * co_firstlineno, co_nlocalsplus, co_nlocals, co_nplaincellvars; none changes
 * after the object is made, unlike co_warmup before them; 3.12 and 3.13:
 * co_argcount through co_nlocals, with co_framesize for co_nplaincellvars)
 * mixed into 32 bits.
 * A code object freed and another allocated at its address is told apart
 * unless all of these agree.
 */
static inline __u32 py_code_tag(const __s32 f[8])
{
	__u32 h = 2166136261U;
	for (int i = 0; i < 8; i++)
		h = (h ^ (__u32)f[i]) * 16777619U;
	return h;
}

#endif /* PROFBUFD_BPF_PYTHON_H */
