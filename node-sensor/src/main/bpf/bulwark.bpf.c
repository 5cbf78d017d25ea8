// SPDX-License-Identifier: GPL-2.0
/*
 * Bulwark kernel sensor. Tracepoints only: this kernel refuses fentry/fexit/LSM and has no
 * kprobes (docs/sensor.md).
 *
 *  - tp_btf/sys_enter + tp_btf/sys_exit with an in-kernel table of interesting syscalls
 *    (sc_gate, one bit per number, tested first; then sc_mode): entry decodes arguments and
 *    strings into a per-thread slot, exit adds the result and sends one event. Per-syscall tracepoints cost the same slow path for every
 *    syscall (docs/benchmarks.md) and cannot see init_module/finit_module here.
 *    32-bit syscalls (int 0x80, sysenter, 32-bit syscall; IA32 emulation) are translated to their
 *    x86_64 number and arguments through ia32_to_x64 (socketcall: SYS_SOCKET, SYS_CONNECT) and
 *    flagged BW_F_COMPAT: the 32-bit door is no way around the table.
 *  - sched_process_exec/fork/exit for the process table, cgroup_mkdir for live container
 *    discovery, io_uring_submit_req for the io_uring door.
 *
 * One compilation unit (one object, one verifier pass per program, the maps defined once), split
 * by concern into the headers it includes, in this order:
 *   sensor/   defs.h (kernel constants), maps.h (settings and maps), task.h (the task: namespaces,
 *             containment, identity, descriptors, foreign mounts), emit.h (counters, rate limit,
 *             string slots, ring-buffer output), paths.h (the open path filter, directories of
 *             relative names, /proc/N/fd, kernel interfaces), args.h (the per-syscall gate, the
 *             32-bit door, arguments from registers)
 *   syscalls/ one decoder per family of watched syscalls (arguments and strings at entry, the
 *             few checks at exit): opens, files, namespaces, mounts, kernel, creds, net
 *   progs/    the programs: syscalls (sys_enter, sys_exit), process (exec, fork, exit,
 *             cgroup_mkdir), io_uring (submit, complete)
 * A new watched syscall: its name in Watchlist (Java), its decoding in its family's file.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <asm/unistd_64.h>
#include "bulwark_events.h"

char LICENSE[] SEC("license") = "GPL";

#include "sensor/defs.h"
#include "sensor/maps.h"
#include "sensor/task.h"
#include "sensor/emit.h"
#include "sensor/paths.h"
#include "sensor/args.h"

#include "syscalls/net.h"
#include "syscalls/opens.h"
#include "syscalls/files.h"
#include "syscalls/namespaces.h"
#include "syscalls/mounts.h"
#include "syscalls/kernel.h"
#include "syscalls/creds.h"

#include "progs/syscalls.h"
#include "progs/process.h"
#include "progs/io_uring.h"
