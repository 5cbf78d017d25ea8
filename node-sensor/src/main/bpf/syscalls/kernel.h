/* SPDX-License-Identifier: GPL-2.0 */
/* Doors into the kernel and other processes: ptrace (the writing requests), process_vm_writev, bpf,
 * module loading (init_module, finit_module, delete_module: no tracepoints of their own when the kernel
 * has no modules, and they still reach the raw pair with ENOSYS), userfaultfd. */
#ifndef BW_KERNEL_H
#define BW_KERNEL_H

static __always_inline int decode_kernel(struct bw_event *e, long nr)
{
	__u64 *a = e->args;
	switch (nr) {
	case __NR_ptrace:
		/* ATTACH, SEIZE, POKETEXT/DATA/USER, SETREGS, SETFPREGS, SETREGSET */
		return a[0] == 16 || a[0] == 0x4206 || a[0] == 4 || a[0] == 5 || a[0] == 6 || a[0] == 13 ||
		       a[0] == 15 || a[0] == 0x4205;
	case __NR_process_vm_writev:
	case __NR_bpf:
	case __NR_init_module:
	case __NR_finit_module:
	case __NR_userfaultfd:
		return BW_KEEP;
	case __NR_delete_module:
		read_user_str(e, 0, BW_STR2, a[0]);
		return BW_KEEP;
	default:
		return BW_OTHER;
	}
}

#endif
