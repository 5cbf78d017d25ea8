// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: one program on a tracepoint every kernel has, one on a tracepoint this kernel lacks
 * (modules are compiled out here, so syscalls:sys_enter_init_module does not exist). The sensor
 * must report the missing one by name and keep the other.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_getppid")
int present_tp(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_init_module")
int missing_tp(void *ctx)
{
	return 0;
}
