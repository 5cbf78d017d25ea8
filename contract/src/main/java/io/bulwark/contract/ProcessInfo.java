package io.bulwark.contract;

import java.util.List;

/**
 * The process (thread) that issued an event, with what the kernel and the process table know.
 *
 * @param pid          thread-group id on the host
 * @param tid          thread id on the host
 * @param ppid         parent's pid on the host
 * @param vpid         pid inside the process's own pid namespace
 * @param uid          effective uid (host view)
 * @param gid          effective gid
 * @param loginuid     audit login uid, -1 when unset
 * @param comm         kernel task name (forgeable)
 * @param exe          executable path as exec saw it
 * @param args         argv after argv[0]
 * @param cmdline      comm followed by args, as Falco's proc.cmdline
 * @param tty          controlling tty number, 0 for none
 * @param cgroupId     cgroup v2 id of the task
 * @param ns           namespace inode numbers
 * @param capEffective effective capability mask
 * @param capPermitted permitted capability mask
 * @param exeUpperLayer true when the executable lives in the overlay upper layer (written after start)
 * @param runtimeWork  true when this process is the container runtime's own work (runc init, exec setup)
 * @param ancestors    parent first, up to the host's init
 */
public record ProcessInfo(
        int pid, int tid, int ppid, int vpid, int uid, int gid, int loginuid,
        String comm, String exe, List<String> args, String cmdline, int tty,
        long cgroupId, Namespaces ns, long capEffective, long capPermitted,
        boolean exeUpperLayer, boolean runtimeWork, List<Ancestor> ancestors) {

    /** One ancestor in the process tree. */
    public record Ancestor(int pid, String comm, String exe, String cmdline) {}

    /** Namespace inode numbers of the task. */
    public record Namespaces(long mnt, long pid, long net, long user, long cgroup, long uts, long ipc) {}
}
