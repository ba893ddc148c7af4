/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The user-stack unwinder's tables, as BPF reads them and userspace writes them
 * (userspace/unwind/). Included by bpf/unwind.bpf.h and by the C++ side; every
 * struct and limit of the unwinder is defined here once.
 *
 * Lookup of one frame (details in bpf/unwind.bpf.h):
 *   pid --uw_procs--> sorted executable mappings {start, end, bias, bin}
 *     pc in a mapping --> vaddr = pc - bias (pc - 1 for return addresses)
 *     --uw_bins[bin]--> the binary's table: its pages and rows
 *     --uw_pages[page_first + (vaddr - base) >> UW_PAGE_BITS]--> its rows' range
 *     --binary search over uw_rows--> the row covering vaddr
 *     --> uw_rules[rule_first + the row's rule index]
 * A row is 3 bytes: the low 12 bits of the vaddr where it starts (its offset
 * in the page) and the index of its rule among the binary's distinct rules
 * (12 bits: Debian's largest binary has under 900; a few hundred is usual).
 * Rows of one binary are contiguous and sorted, so a page's rows are a range.
 */
#ifndef PROFBUFD_BPF_UNWIND_H
#define PROFBUFD_BPF_UNWIND_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define UW_MAX_FRAMES 254     /* user frames per stack: PROFBUFD_MAX_USER_FRAMES */
#define UW_MAX_MAPS 256       /* executable mappings per process (a power of two) */
#define UW_MAP_SEARCH_STEPS 9 /* log2(UW_MAX_MAPS) + 1 */
#define UW_ROWS_PER_BLOCK 1024 /* rows per uw_rows value: 3 KiB */
#define UW_ROW_BYTES 3         /* a row: 24 bits */
#define UW_PAGE_BITS 12        /* a table page covers 4 KiB of the binary's vaddr */
#define UW_PAGE_MAX_ROWS 4095  /* rows starting in one page: UW_ROW_SEARCH_STEPS */
#define UW_ROW_SEARCH_STEPS 12
#define UW_MAX_BINS 4096       /* binaries with a table at once */
#define UW_MAX_BIN_RULES 4096  /* distinct rules of one binary (12-bit rule index) */
#define UW_MAX_PROCS 8192      /* processes with published mappings at once */
#define UW_WINDOW_BYTES 1024   /* user stack copied per read (see unwind.bpf.h) */

/* What a rule tells the walker to do (uw_rule.cfa_kind). Below UW_CMD_STOP, the
 * rule computes the CFA; the rest are commands. */
enum uw_cfa_kind {
	UW_CFA_RSP = 1,       /* CFA = RSP + cfa_off */
	UW_CFA_RBP = 2,       /* CFA = RBP + cfa_off */
	UW_CFA_PLT = 3,       /* CFA = RSP + 8 + (((RIP & 15) >= cfa_off) << 3): .plt */
	UW_CFA_DEREF_RSP = 4, /* CFA = *(RSP + cfa_off): stack realignment */
	UW_CFA_DEREF_RBP = 5, /* CFA = *(RBP + cfa_off) */
	UW_CMD_STOP = 16,     /* the return address is undefined: the outermost frame */
	UW_CMD_SIGNAL = 17,   /* a signal trampoline: registers from the ucontext */
	UW_CMD_GAP = 18,      /* no FDE covers the address */
	UW_CMD_BAD_CFA_REG = 19,  /* CFA from a register other than RSP and RBP */
	UW_CMD_BAD_CFA_EXPR = 20, /* any other CFA expression */
	UW_CMD_BAD_RA = 21,       /* the return address is not at CFA - 8 */
};

/* Where the caller's RBP is (uw_rule.rbp_kind). */
enum uw_rbp_kind {
	UW_RBP_SAME = 0,    /* unchanged */
	UW_RBP_CFA_OFF = 1, /* saved at CFA + rbp_off */
	UW_RBP_UNDEF = 2,   /* unknown: 0 */
	UW_RBP_BAD = 3,     /* a register or expression rule: unknown, 0 */
};

/* Publication state of a binary's table (uw_bin.state), written last. */
enum uw_bin_state {
	UW_BIN_EMPTY = 0,
	UW_BIN_PENDING = 1, /* known, table not loaded yet: frames fall back */
	UW_BIN_READY = 2,   /* pages and rows in place; never changes while READY */
	UW_BIN_EVICTED = 3, /* table memory taken back: frames fall back */
	UW_BIN_NO_TABLE = 4, /* its table cannot be built (beyond the format):
			      * frames fall back as where no CFI exists */
};

/* Why a user walk ended: the record's user_status (bpf/profbufd.h) when the
 * table walker ran. */
enum uw_end {
	UW_END_ENTRY = 0,       /* the outermost frame (a STOP rule, or RBP 0 at an FP frame) */
	UW_END_DEPTH = 1,       /* UW_MAX_FRAMES frames walked */
	UW_END_NO_TABLE = 2,    /* a frame with no table where frame pointers did not help */
	UW_END_PENDING = 3,     /* the same, while the table was still being built */
	UW_END_UNSUPPORTED = 4, /* the same, after a rule the walker does not support */
	UW_END_UNREADABLE = 5,  /* user memory could not be read */
	UW_END_BAD_PC = 6,      /* an address that cannot be code (kernel half, first page) */
	UW_END__COUNT = 7,
};

/* Per-CPU counters of the walker (uw_counters.c[]), summed by userspace. */
enum uw_counter {
	UW_C_WALKS = 0,          /* user stacks walked with tables */
	UW_C_FRAMES = 1,         /* frames found */
	UW_C_TABLE_FRAMES = 2,   /* of those, unwound by a table row */
	UW_C_FP_NO_PROCESS = 3,  /* FP fallbacks: the process has no published mappings */
	UW_C_FP_NO_MAPPING = 4,  /* the pc lies in no known mapping (JIT, anonymous) */
	UW_C_FP_NO_TABLE = 5,    /* the binary has no table, or none covers the pc */
	UW_C_FP_PENDING = 6,     /* the binary's table is still being built */
	UW_C_FP_UNSUPPORTED = 7, /* the row's rule is not supported */
	UW_C_SIGNAL_FRAMES = 8,  /* signal frames unwound through the ucontext */
	UW_C_WINDOW_READS = 9,   /* stack windows copied */
	UW_C_REQUESTS = 10,      /* mapping requests sent to userspace */
	UW_C_REQUESTS_FULL = 11, /* ...that found the event ring full */
	UW_C_ENDS_FULL = 12,     /* exec/exit reports (process.bpf.c) lost: the ring was full */
	UW_C_END_BASE = 16,      /* + enum uw_end: walks by how they ended */
	UW_C__COUNT = 32,
};

struct uw_map {
	__u64 start, end; /* [start, end) of one executable mapping */
	__u64 bias;       /* runtime address - ELF vaddr */
	__u32 bin;        /* index into uw_bins; 0: none (anonymous, JIT, no table) */
	__u32 pad;
};

/* The executable mappings of one process, sorted by start; a hash value, so an
 * update replaces it whole and a walker sees the old one or the new one. */
struct uw_proc {
	__u64 start_time; /* the group leader's start time (ns since boot): not a reused pid;
			   * 0 until the first walk when userspace published it unasked */
	__u32 n;
	__u32 pad;
	struct uw_map m[UW_MAX_MAPS];
};

struct uw_bin {
	__u64 base;       /* first vaddr covered, page aligned */
	__u64 end;        /* vaddr past the last row's range */
	__u32 page_first; /* index into uw_pages */
	__u32 n_pages;
	__u32 row_first;  /* global index of the binary's first row */
	__u32 state;      /* enum uw_bin_state */
	__u32 rule_first; /* index into uw_rules of the binary's rule 0 */
	__u32 n_rules;
};

struct uw_page {
	__u32 first_row; /* global index of the first row starting in the page */
	__u32 n_rows;    /* rows starting in the page (may be 0) */
};

/* Row i of a block at row_bytes[3 i], little-endian: bits 0-11 the offset of
 * its first address in its page, bits 12-23 its rule index. */
struct uw_block {
	__u8 row_bytes[UW_ROW_BYTES * UW_ROWS_PER_BLOCK];
};

struct uw_rule {
	__u8 cfa_kind; /* enum uw_cfa_kind */
	__u8 rbp_kind; /* enum uw_rbp_kind */
	__s16 rbp_off;
	__s32 cfa_off;
};

struct uw_counters {
	__u64 c[UW_C__COUNT];
};

/* What the walker asks of userspace (the uw_events ring). */
enum uw_event_kind {
	UW_EVENT_UNKNOWN_PROCESS = 1, /* a process with no published mappings was sampled */
	UW_EVENT_UNKNOWN_PC = 2,      /* a pc in no published mapping (dlopen, JIT) */
	UW_EVENT_EXEC = 3,            /* the process exec'd: its mappings are gone */
	UW_EVENT_EXIT = 4,            /* the process exited */
	UW_EVENT_TABLE_WANTED = 5,    /* the first walk that needed a bin's table */
};

struct uw_event {
	__u32 kind;       /* enum uw_event_kind */
	__u32 pid;
	__u64 start_time; /* the group leader's (task_struct start_time, ns since boot) */
	__u64 pc;         /* UW_EVENT_UNKNOWN_PC: the address; TABLE_WANTED: the bin */
	__u64 time_ns;    /* bpf_ktime_get_ns() when sent: for EXEC and EXIT, the instant
			   * after the ended program's last record and before any of
			   * its successor's (process/process_ends.h) */
};

#endif /* PROFBUFD_BPF_UNWIND_H */
