/* SPDX-License-Identifier: GPL-2.0 */
/* Building and sending an event: counters, the per-cgroup rate limit, the string slots, the
 * ring-buffer output and its wake-up policy, a fresh scratch event for the hook programs. */
#ifndef BW_EMIT_H
#define BW_EMIT_H

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);
	if (c)
		*c += 1;
}

static __always_inline bool rate_limited(__u64 cgid)
{
	if (!rate_limit)
		return false;
	__u64 now = bpf_ktime_get_ns();
	struct rate_state *st = bpf_map_lookup_elem(&rates, &cgid);
	if (!st) {
		struct rate_state init = { .window_start = now, .count = 1 };
		bpf_map_update_elem(&rates, &cgid, &init, BPF_ANY);
		return false;
	}
	if (now - st->window_start > 1000000000ULL) {
		st->window_start = now;
		st->count = 1;
		return false;
	}
	st->count++;
	return st->count > rate_limit;
}

/* Ring-buffer output with the wake-up policy measured in PLATFORM-NOTES: no wake-up per event;
 * wake when the backlog crosses wake_bytes, or when the last forced wake is older than wake_ns
 * (so a sparse event reaches user space within about a millisecond). */
static __always_inline void emit(struct bw_event *e)
{
	/* Variable-size records: the fixed part, then the strings up to the end of the last one used
	 * (a setns record is 200 bytes instead of 768, so the ring holds almost four times as many). */
	__u32 size = __builtin_offsetof(struct bw_event, str0);
	if (e->slen[2])
		size = __builtin_offsetof(struct bw_event, str2) + e->slen[2];
	else if (e->slen[1])
		size = __builtin_offsetof(struct bw_event, str1) + e->slen[1];
	else if (e->slen[0])
		size = __builtin_offsetof(struct bw_event, str0) + e->slen[0];
	if (size > sizeof(*e))
		size = sizeof(*e);
	__u64 flags = BPF_RB_NO_WAKEUP;
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u32 zero = 0;
	__u64 *last = bpf_map_lookup_elem(&last_wake, &zero);
	__u64 now = bpf_ktime_get_ns();
	if ((avail < wake_bytes && avail + size >= wake_bytes) || (last && now - *last > wake_ns)) {
		flags = BPF_RB_FORCE_WAKEUP;
		if (last)
			*last = now;
	}
	if (bpf_ringbuf_output(&events, e, size, flags)) {
		count(BW_CNT_RB_FULL);
		return;
	}
	count(BW_CNT_EMITTED);
}

/* String slots: every writer records in slen[slot] how many bytes it wrote (with the NUL), so that
 * emit() sends the event only up to the end of the last string used. slot is a constant at every call. */
static __always_inline char *str_slot(struct bw_event *e, int slot)
{
	return slot == 0 ? e->str0 : (slot == 1 ? e->str1 : e->str2);
}

static __always_inline void set_slen(struct bw_event *e, int slot, long n)
{
	e->slen[slot & 3] = n > 0 ? (__u16)n : 0;
}

static __always_inline void read_user_str(struct bw_event *e, int slot, __u32 size, __u64 ptr)
{
	char *dst = str_slot(e, slot);
	long n = bpf_probe_read_user_str(dst, size, (const void *)ptr);
	if (n <= 0)
		dst[0] = 0;
	else if (n == size)
		e->flags |= BW_F_TRUNCATED;
	set_slen(e, slot, n);
}

static __always_inline void read_kernel_str(struct bw_event *e, int slot, __u32 size, const void *ptr)
{
	char *dst = str_slot(e, slot);
	long n = bpf_probe_read_kernel_str(dst, size, ptr);
	if (n <= 0)
		dst[0] = 0;
	set_slen(e, slot, n);
}

static __always_inline void clear_strs(struct bw_event *e)
{
	e->str0[0] = 0;
	e->str1[0] = 0;
	e->str2[0] = 0;
	e->slen[0] = 0;
	e->slen[1] = 0;
	e->slen[2] = 0;
	e->flags2 = 0;
}

static __always_inline struct bw_event *scratch_event(__u8 op, struct task_struct *task)
{
	__u32 zero = 0;
	struct bw_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->op = op;
	e->nr = 0;
	e->ret = 0;
	e->aux[0] = 0;
	e->aux[1] = 0;
	e->args[0] = 0;
	e->args[1] = 0;
	clear_strs(e);
	e->ktime = bpf_ktime_get_boot_ns();
	fill_task(e, task);
	e->flags = contained(task, e->cgroup_id) ? BW_F_CONTAINED : 0;
	return e;
}

#endif
