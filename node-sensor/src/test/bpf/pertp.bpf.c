// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark only: the alternative design (one classic tracepoint per watched syscall, enter and
 * exit) for the same doors as bulwark.bpf.c, each doing the minimum (count). Loaded by
 * SyscallCostBench to compare the per-syscall cost of both designs on this kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline int hit(void)
{
	__u32 z = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &z);
	if (v)
		*v += 1;
	return 0;
}

#define TP(name) \
	SEC("tracepoint/syscalls/sys_enter_" #name) int enter_##name(void *ctx) { return hit(); } \
	SEC("tracepoint/syscalls/sys_exit_" #name) int exit_##name(void *ctx) { return hit(); }

TP(setns) TP(unshare) TP(clone) TP(clone3) TP(mount) TP(fsopen) TP(fsconfig) TP(fsmount) TP(move_mount)
TP(open_tree) TP(chroot) TP(pivot_root) TP(ptrace) TP(process_vm_writev) TP(bpf) TP(open) TP(openat)
TP(openat2) TP(creat) TP(connect) TP(socket) TP(userfaultfd) TP(memfd_create) TP(open_by_handle_at)
TP(mknod) TP(mknodat) TP(symlink) TP(symlinkat) TP(link) TP(linkat) TP(rename) TP(renameat) TP(renameat2)
TP(unlink) TP(unlinkat) TP(dup2) TP(dup3) TP(splice) TP(setuid) TP(setgid) TP(capset)
