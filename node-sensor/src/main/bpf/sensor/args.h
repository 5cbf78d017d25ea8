/* SPDX-License-Identifier: GPL-2.0 */
/* Syscall numbers and arguments: the per-syscall gate (sc_mode), the 32-bit door translated to x86_64
 * numbers and arguments (ia32_to_x64). */
#ifndef BW_ARGS_H
#define BW_ARGS_H

/* The x86_64 number of a 32-bit syscall (ia32 number id), or -1 when it is not one we translate; t gets
 * the table entry. socketcall becomes socket or connect by its call number (bx); other calls are dropped. */
static __always_inline long compat_nr(struct pt_regs *regs, long id, __u16 *t)
{
	if (id < 0 || id >= BW_IA32_MAX)
		return -1;
	__u16 v = ia32_to_x64[id & (BW_IA32_MAX - 1)];
	*t = v;
	if (v & BW_IA32_SOCKETCALL) {
		__u32 call = (__u32)regs->bx;
		if (call == SYS_SOCKET)
			return __NR_socket;
		if (call == SYS_CONNECT)
			return __NR_connect;
		return -1;
	}
	return (long)(v & BW_IA32_NR_MASK) - 1;
}

/* 16-bit uid/gid (setuid, setreuid … of the old ia32 ABI): the kernel takes the low 16 bits, 0xffff is -1. */
static __always_inline __u64 uid16(__u64 v)
{
	v &= 0xffff;
	return v == 0xffff ? 0xffffffffULL : v;
}

/* The x86_64 number of the syscall entered or left when it is watched (sc_mode BW_SC_ON), else -1;
 * *taskp, *compat (the ia32 table entry, 0 for a 64-bit call) and *mode are filled for a watched one.
 * A 32-bit syscall: id is an ia32 number, the arguments are in bx, cx, dx, si, di, bp. For 64-bit
 * callers this costs one load and branch, and only on numbers that are watched in either table. */
static __always_inline long watched_nr(struct pt_regs *regs, long id, struct task_struct **taskp, __u16 *compat, __u8 *mode)
{
	/* The gate, before anything else: one bit per number watched as an x86_64 or as an ia32 syscall
	 * (sc_gate, one cache line). Every other syscall leaves here. */
	if ((unsigned long)id >= MAX_NR)
		return -1;
	if (!((sc_gate[(id >> 6) & (BW_GATE_WORDS - 1)] >> (id & 63)) & 1))
		return -1;
	__u8 m = sc_mode[id & (MAX_NR - 1)];
	struct task_struct *task = bpf_get_current_task_btf();
	*taskp = task;
	if (task->thread_info.status & TS_COMPAT) {
		if (!(m & BW_SC_IA32))
			return -1;
		id = compat_nr(regs, id, compat);
		if (id < 0 || id >= MAX_NR)
			return -1;
		m = sc_mode[id & (MAX_NR - 1)];
	}
	if (!(m & BW_SC_ON))
		return -1;
	*mode = m;
	return id;
}

/* The arguments of the syscall entered into e->args: x86_64 registers, or for a 32-bit syscall (compat:
 * its ia32_to_x64 entry) the ia32 registers zero-extended, socketcall's array, 16-bit ids widened. */
static __always_inline void load_args(struct bw_event *e, struct pt_regs *regs, __u16 compat)
{
	if (!compat) {
		/* tp_btf: regs is a trusted BTF pointer, read directly (no helper call). */
		e->args[0] = regs->di;
		e->args[1] = regs->si;
		e->args[2] = regs->dx;
		e->args[3] = regs->r10;
		e->args[4] = regs->r8;
		e->args[5] = regs->r9;
	} else {
		/* the kernel uses the low 32 bits of each register: zero-extended, pointers stay valid */
		e->flags |= BW_F_COMPAT | (regs->cs == USER_CS_64 ? BW_F_COMPAT64 : 0);
		if (compat & BW_IA32_SOCKETCALL) {
			/* socketcall(call, u32 *args): the call's arguments are an array in user memory */
			__u32 sa[3] = {};
			bpf_probe_read_user(sa, sizeof(sa), (void *)(regs->cx & 0xffffffffULL));
			e->flags |= BW_F_SOCKETCALL;
			e->args[0] = sa[0];
			e->args[1] = sa[1];
			e->args[2] = sa[2];
			e->args[3] = 0;
			e->args[4] = 0;
			e->args[5] = 0;
		} else {
			e->args[0] = (__u32)regs->bx;
			e->args[1] = (__u32)regs->cx;
			e->args[2] = (__u32)regs->dx;
			e->args[3] = (__u32)regs->si;
			e->args[4] = (__u32)regs->di;
			e->args[5] = (__u32)regs->bp;
			if (compat & BW_IA32_UID16) {
				e->args[0] = uid16(e->args[0]);
				e->args[1] = uid16(e->args[1]);
				e->args[2] = uid16(e->args[2]);
			}
		}
	}
}

#endif
