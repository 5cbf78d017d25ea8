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
 * @param startTime    the process's start time in clock ticks after boot (USER_HZ, field 22 of /proc/PID/stat);
 *                     with the pid it names the process so a kill never hits a recycled pid; null when unknown
 */
public record ProcessInfo(
        int pid, int tid, int ppid, int vpid, int uid, int gid, int loginuid,
        String comm, String exe, List<String> args, String cmdline, int tty,
        long cgroupId, Namespaces ns, long capEffective, long capPermitted,
        boolean exeUpperLayer, boolean runtimeWork, List<Ancestor> ancestors, Long startTime) {

    /** Without a start time (unknown). */
    public ProcessInfo(
            int pid, int tid, int ppid, int vpid, int uid, int gid, int loginuid,
            String comm, String exe, List<String> args, String cmdline, int tty,
            long cgroupId, Namespaces ns, long capEffective, long capPermitted,
            boolean exeUpperLayer, boolean runtimeWork, List<Ancestor> ancestors) {
        this(pid, tid, ppid, vpid, uid, gid, loginuid, comm, exe, args, cmdline, tty, cgroupId, ns, capEffective,
                capPermitted, exeUpperLayer, runtimeWork, ancestors, null);
    }

    /** The same process with its start time (clock ticks after boot), as the alert path fills it in. */
    public ProcessInfo withStartTime(Long ticks) {
        return new ProcessInfo(pid, tid, ppid, vpid, uid, gid, loginuid, comm, exe, args, cmdline, tty, cgroupId, ns,
                capEffective, capPermitted, exeUpperLayer, runtimeWork, ancestors, ticks);
    }

    /** One ancestor in the process tree. */
    public record Ancestor(int pid, String comm, String exe, String cmdline) {}

    /** Namespace inode numbers of the task. */
    public record Namespaces(long mnt, long pid, long net, long user, long cgroup, long uts, long ipc) {}
}
