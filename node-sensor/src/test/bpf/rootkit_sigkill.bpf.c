// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: a minimal BPF "rootkit" of the bad-bpf bpfdos kind, for the integrity checker's
 * real positive test (IntegrityCheckerTest). It kills a process from inside the kernel with
 * bpf_send_signal as it enters read(2). To be harmless on a shared machine it only touches one
 * process (only_tgid, a shell the test started).
 *
 * (bad-bpf's pidhide/sudoadd kind needs bpf_probe_write_user, which this kernel refuses to every
 * program: lockdown=integrity covers LOCKDOWN_BPF_WRITE_USER. See docs/integrity.md.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 only_tgid = 0;

SEC("tp/syscalls/sys_enter_read")
int rk_kill_on_read(void *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != only_tgid || only_tgid == 0)
		return 0;
	bpf_send_signal(9);
	return 0;
}
