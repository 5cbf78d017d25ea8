/* SPDX-License-Identifier: GPL-2.0 */
/* Credential changes: the set*id calls (arguments raw; ia32's 16-bit forms widened in args.h) and capset
 * (the capability sets asked for). */
#ifndef BW_CREDS_H
#define BW_CREDS_H

static __always_inline int decode_creds(struct bw_event *e, long nr)
{
	__u64 *a = e->args;
	switch (nr) {
	case __NR_setuid:
	case __NR_setgid:
	case __NR_setreuid:
	case __NR_setregid:
	case __NR_setresuid:
	case __NR_setresgid:
	case __NR_setfsuid:
	case __NR_setfsgid:
		return BW_KEEP;
	case __NR_capset: {
		/* cap_user_data_t[0]: effective, permitted, inheritable (low 32 bits) */
		__u32 data[6] = {};
		bpf_probe_read_user(data, sizeof(data), (void *)a[1]);
		e->aux[0] = (__u64)data[0] | ((__u64)data[3] << 32);
		e->aux[1] = (__u64)data[1] | ((__u64)data[4] << 32);
		return BW_KEEP;
	}
	default:
		return BW_OTHER;
	}
}

#endif
