#!/usr/bin/env bash
# Writes the seed corpus of every fuzz target into tests/fuzz/corpus/<target>/
# from this machine's own /proc files, the test fixtures and small programs
# built from tests/programs: real inputs for the fuzzers to mutate. Run once
# to (re)create the committed seeds; crash reproducers committed beside them
# (crash-*, leak-*, timeout-*, oom-*) are kept.
set -eu -o pipefail
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus
fix=tests/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

seed() {  # seed TARGET NAME < bytes
  mkdir -p "$out/$1"
  cat >"$out/$1/$2"
}
# A target whose first input byte picks the parser: SELECTOR then the bytes.
pick() {  # pick TARGET NAME SELECTOR < bytes
  { printf "\\x$(printf %02x "$3")"; cat; } | seed "$1" "$2"
}

# --- the writers: a Profile read from the bytes front to back (encoders_fuzz.cpp) ---
for k in 1 2 3 4; do
  python3 -c "import random, sys; sys.stdout.buffer.write(random.Random($k).randbytes(700))" |
    seed encoders "random$k"
done
# Names a process may choose: ';', newlines, NUL, quotes, '<', invalid UTF-8.
python3 -c "
import sys
names = [b'weird;name\\nx', b'bad\\xc3(sym', b'\\x00nul', b'\"q\"<b>&', b'\\xff\\xfe', b'tab\\there']
out = bytearray(b'\\x05cpu\\x00')
for n in names * 6:
    out += bytes([len(n)]) + n + b'\\x01\\x02\\x03'
sys.stdout.buffer.write(bytes(out))" | seed encoders hostile

# --- HTTP ---
crlf() { sed 's/$/\r/'; }
printf 'GET /debug/pprof/profile?seconds=5 HTTP/1.1\nHost: 127.0.0.1:6060\nUser-Agent: Go-http-client/1.1\nAccept-Encoding: gzip\n\n' | crlf >"$tmp/pprof"
printf 'GET /metrics HTTP/1.1\nHost: localhost:6060\nUser-Agent: Prometheus/2.42.0\nAccept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\nX-Prometheus-Scrape-Timeout-Seconds: 10\n\n' | crlf >"$tmp/metrics"
printf 'POST /metrics HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 5\nContent-Type: text/plain\n\nhello' >"$tmp/post"
printf 'GET /api/profile?kind=cpu&type=cpu&label.comm=nginx&top=20&format=json HTTP/1.0\n\n' >"$tmp/api"
printf 'GET /debug/pprof/profile?seconds=2&pid=1&pid=42&cgroup=%%2Fsystem.slice%%2Fnginx.service&container=3726184226f5 HTTP/1.1\r\nHost: [::1]:6060\r\nRange: bytes=0-10,20-\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >"$tmp/pipelined"
printf 'PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' >"$tmp/chunked"
for f in pprof metrics post api pipelined chunked; do
  seed request_head "$f" <"$tmp/$f"
  seed http_request "$f" <"$tmp/$f"
done
printf 'seconds=30' | seed profile_query seconds
printf 'seconds=10&pid=1&pid=4242&cgroup=/system.slice/nginx.service&container=3726184226f5d314&format=folded' | seed profile_query filters
printf 'id=3&kind=cpu&type=samples&label.comm=nginx&label.comm=python3.11&label.container_id=abc&top=1000&format=json' | seed profile_query page
printf 'seconds=1&seconds=2&pid=0&cgroup=/a/../b&container=XYZ&format=svg' | seed profile_query bad

# --- command line, values, config file ---
printf '%s\0' --duration 30s --frequency 99 --output /var/lib/profbufd --format pprof,json | seed cli_options oneshot
printf '%s\0' --http-listen 127.0.0.1:6060 --interval=1m --keep 5 --pid 1 --pid 2 --cgroup /system.slice | seed cli_options daemon
printf '%s\0' --pyroscope-url http://localhost:4040 --ringbuf-size 64MiB --unwind dwarf --block-min 2ms -- | seed cli_options push
printf '%s\0' -h | seed cli_options help
printf '1h30m0.5s' | pick cli_values duration 0
printf '500us' | pick cli_values micro 0
printf '64MiB' | pick cli_values size 1
printf '[::1]:6060' | pick cli_values ipv6 2
printf 'localhost:0' | pick cli_values host 2
printf '# /etc/profbufd/profbufd.conf\nfrequency = 49\npid = 1234\npid=1\ncgroup = /system.slice/nginx.service\ncgroup = /sys/fs/cgroup/kubepods.slice\n\n' | seed config_file example

# --- /proc ---
seed proc_maps self </proc/self/maps
seed proc_maps fixture <"$fix/symbolize/procfs/4242/maps"
printf '55b3d5ee6000-55b3d5eeb000 r-xp 00002000 fe:00 247134     /usr/bin/with space (deleted)\n7ffc1b5f1000-7ffc1b5f3000 r-xp 00000000 00:00 0                          [vdso]\n' | seed proc_maps deleted
for f in "$fix"/process/status-*.txt; do pick proc_stat "$(basename "$f" .txt)" 0 <"$f"; done
pick proc_stat pid-stat 1 </proc/self/stat
printf '4242 (a) b) c) R 1 4242 4242 0 -1 4194304 90 0 0 0 1 2 0 0 20 0 1 0 12345 8192000 200 18446744073709551615\n' | pick proc_stat pid-stat-comm 1
pick proc_stat proc-stat-btime 2 </proc/stat
pick proc_stat proc-stat-idle 3 </proc/stat
for f in "$fix"/cgroup/*.txt; do
  case $f in
    */mountinfo-*) seed cgroup_mounts "$(basename "$f" .txt)" <"$f" ;;
    *) seed proc_cgroup "$(basename "$f" .txt)" <"$f" ;;
  esac
done

# --- symbols ---
printf '7f3a1c0042c0 1a8 JS:*hotLoop /tmp/work.js:3:17\n0x7f3a1c004500 40 LazyCompile:~main node:internal/main:1:1\n7f3a1c004500 20 py::f:/tmp/x.py\nnot a line\n7f3a1c100000 10 unterminated' | seed perf_map node
head -c 4000 "$fix/symbolize/procfs/kallsyms" | seed kallsyms fixture
printf 'ffffffff81000000 T _text\nffffffff81001000 T __x64_sys_getppid\nffffffff81001000 T __ia32_sys_getppid\nffffffff81001000 t __do_sys_getppid\nffffffff82000000 D data_start\nffffffffc0a01000 t nft_do_chain\t[nf_tables]\nffffffffc0a02000 W weak_fn\t[nf_tables]\n' | seed kallsyms aliases
printf '0000000000000000 T _text\n0000000000000000 t hidden\n' | seed kallsyms hidden
printf '_ZN2ns1fEi' | seed demangle simple
printf '_ZNSt6vectorIiSaIiEE9push_backERKi' | seed demangle template
printf '_ZZN4node5StartEiPPcENKUlvE_clEv' | seed demangle lambda
printf 'main' | seed demangle plain

# --- ELF, DWARF, debug files ---
cat >"$tmp/small.c" <<'C'
static int helper(int x) { return x * 3; }
__attribute__((weak)) int weak_fn(int x) { return helper(x) + 1; }
int exported(int x) { return weak_fn(x) - 2; }
C
gcc -O1 -g -shared -fPIC -Wl,--build-id "$tmp/small.c" -o "$tmp/libsmall.so"
objcopy --only-keep-debug "$tmp/libsmall.so" "$tmp/libsmall.debug"
objcopy --strip-all --add-gnu-debuglink="$tmp/libsmall.debug" "$tmp/libsmall.so" "$tmp/libsmall-stripped.so"
gcc -O1 -s -shared -fPIC "$tmp/small.c" -o "$tmp/libsmall-nosym.so"
seed elf_symbols with-symtab <"$tmp/libsmall.so"
seed elf_symbols stripped-debuglink <"$tmp/libsmall-stripped.so"
seed elf_symbols dynsym-only <"$tmp/libsmall-nosym.so"
seed elf_symbols debug-file <"$tmp/libsmall.debug"
# MiniDebugInfo: the symbols as an xz-compressed ELF in .gnu_debugdata.
objcopy --only-keep-debug --remove-section=.gdb_index "$tmp/libsmall.so" "$tmp/mini.debug" 2>/dev/null
xz -k -c "$tmp/mini.debug" >"$tmp/mini.xz"
objcopy --add-section .gnu_debugdata="$tmp/mini.xz" "$tmp/libsmall-nosym.so" "$tmp/libsmall-mini.so"
seed elf_symbols minidebuginfo <"$tmp/libsmall-mini.so"
seed dwarf_lines with-dwarf <"$tmp/libsmall.so"
seed dwarf_lines debug-file <"$tmp/libsmall.debug"
gcc -O2 -g -gz -shared -fPIC "$tmp/small.c" -o "$tmp/libsmall-gz.so"
seed dwarf_lines compressed <"$tmp/libsmall-gz.so"
objcopy --dump-section .gnu_debuglink="$tmp/link" "$tmp/libsmall-stripped.so"
seed debug_link real <"$tmp/link"
printf 'libc.so.6.debug\0\0\0\0\x12\x34\x56\x78' | seed debug_link libc
# CFI (cfi_table_fuzz.cpp): flags, .eh_frame vaddr, .eh_frame length, the bytes.
cfi_seed() {  # cfi_seed NAME FLAGS BINARY [DEBUG_FRAME_BINARY]
  local eh_addr=0 eh=$tmp/eh.bin dbg=$tmp/dbg.bin
  : >"$eh"; : >"$dbg"
  if [ $(($2 & 1)) -ne 0 ]; then
    eh_addr=$(readelf -SW "$3" | awk '$2 == ".eh_frame" { print $4 }')
    objcopy -O binary --only-section=.eh_frame "$3" "$eh"
  fi
  [ $(($2 & 2)) -ne 0 ] && objcopy --dump-section .debug_frame="$dbg" "${4:-$3}" /dev/null
  python3 -c "import struct, sys; sys.stdout.buffer.write(struct.pack('<BIH', $2, 0x$eh_addr, $(stat -c %s "$eh")))" |
    cat - "$eh" "$dbg" | seed cfi_table "$1"
}
gcc -O2 -g -fno-asynchronous-unwind-tables -shared -fPIC "$tmp/small.c" -o "$tmp/libsmall-dbgframe.so"
cfi_seed small 1 "$tmp/libsmall.so"
cfi_seed gzip 1 /usr/bin/gzip
cfi_seed debug-frame 2 "$tmp/libsmall-dbgframe.so"
cfi_seed both 3 "$tmp/libsmall.so" "$tmp/libsmall-dbgframe.so"
seed xz mini <"$tmp/mini.xz"
printf 'hello hello hello' | xz -c | seed xz small

# --- ringbuf records (bpf/profbufd.h: 72-byte header, then frames) ---
python3 - "$out/sample_decoder" <<'PY'
import os, struct, sys
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
def rec(kf, uf, kind=0, comm=b"spin_chain"):
    h = struct.pack("<QQQIIIHHHHhhBB6s16s", 123456789, 10101010, 0x1234, 4242, 4243, 1,
                    kind, 0, kf, uf, 0, 0, 1 if kf else 0, 1 if uf else 0, b"\0" * 6, comm)
    return h + b"".join(struct.pack("<Q", 0xffffffff81000000 + i) for i in range(kf)) \
             + b"".join(struct.pack("<Q", 0x555555550000 + i) for i in range(uf))
for name, data in [("cpu-3-2", rec(3, 2)), ("user-only", rec(0, 5, comm=b"python3.11\0\0\0\0\0\0")),
                   ("max", rec(127, 127)), ("empty", rec(0, 0)), ("block", rec(2, 2, kind=1))]:
    open(os.path.join(d, name), "wb").write(data)
PY
du -sh "$out"
