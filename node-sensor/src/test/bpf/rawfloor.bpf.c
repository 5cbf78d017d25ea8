// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark only: the floor of bulwark's design, a tp_btf sys_enter/sys_exit pair that returns at
 * once. What every syscall pays for the pair whatever the programs do (the kernel's tracing slow path
 * and two BPF program runs); the sensor's own early exit for unwatched syscalls is the difference
 * from this row. Loaded by SyscallCostBench.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit, struct pt_regs *regs, long ret)
{
	return 0;
}
