/* SPDX-License-Identifier: GPL-2.0 */
/* Network doors: connect (socket address decoded; also io_uring connects) and AF_PACKET sockets. */
#ifndef BW_NET_H
#define BW_NET_H

static __always_inline bool decode_sockaddr(struct bw_event *e, __u64 uaddr)
{
	__u16 family = 0;
	if (bpf_probe_read_user(&family, sizeof(family), (void *)uaddr))
		return false;
	e->aux[0] = family;
	if (family == AF_UNIX) {
		/* sun_path at offset 2; an abstract name starts with NUL: keep it, user space shows '@'. */
		bpf_probe_read_user(e->str0, 108, (void *)(uaddr + 2));
		e->str0[108] = 0;
		set_slen(e, 0, 109);
		return true;
	}
	__u16 port_be = 0;
	bpf_probe_read_user(&port_be, sizeof(port_be), (void *)(uaddr + 2));
	__u16 port = __builtin_bswap16(port_be);
	e->aux[1] = port;
	if (family == AF_INET) {
		__u32 a = 0;
		bpf_probe_read_user(&a, sizeof(a), (void *)(uaddr + 4));
		__builtin_memcpy(e->str1, &a, 4);
		set_slen(e, 1, 4);
		/* 169.254.169.254: instance metadata */
		if (a == 0xfea9fea9)
			return true;
	} else if (family == AF_INET6) {
		bpf_probe_read_user(e->str1, 16, (void *)(uaddr + 8));
		set_slen(e, 1, 16);
	} else {
		return false;
	}
	return bpf_map_lookup_elem(&ports, &port) != 0;
}

/* connect: sent when the address matters (metadata, a watched port, a unix socket); socket: AF_PACKET only. */
static __always_inline int decode_net(struct bw_event *e, long nr)
{
	__u64 *a = e->args;
	switch (nr) {
	case __NR_connect:
		return decode_sockaddr(e, a[1]);
	case __NR_socket:
		return a[0] == AF_PACKET;
	default:
		return BW_OTHER;
	}
}

#endif
