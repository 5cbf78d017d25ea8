package io.bulwark.sensor.enrich;

import io.bulwark.contract.Capabilities;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each process's visible history explains about its credentials, to find credentials that
 * became root (or gained capabilities) without a cause the sensor saw: a kernel exploit that rewrites
 * its {@code struct cred}, or a cred change through a door the sensor does not watch (a 32-bit
 * {@code int 0x80} setuid, for one).
 *
 * <p>Per process (thread group), from events only:
 * <ul>
 *   <li>exec resets the baseline to the creds after the exec, after checking them: euid 0 is explained
 *       when the process could already be root, or by a set-uid-root file; capabilities beyond those it
 *       held are explained by root, by the kernel's own privilege raise ({@code secureexec}: set-id
 *       bits or file capabilities), or by a new user namespace;</li>
 *   <li>fork: the child starts with its parent's baseline (not its current creds);</li>
 *   <li>a successful setuid, setreuid or setresuid the sensor saw adds root when it set euid 0;
 *       capset and the setuid family cannot raise capabilities beyond the permitted set, so they add
 *       none;</li>
 *   <li>every other event is checked against the baseline and leaves it unchanged, so an escalated
 *       process stays flagged until its next exec (and its children, forked with the old baseline).</li>
 * </ul>
 * Root is what kuid 0 means on the host (euid as the kernel stores it). Capabilities are compared only
 * inside the same user namespace: a new user namespace gives full capabilities relative to itself
 * (userns-create has its own rule). The baseline is a union over the process's threads since its
 * exec, so a thread that dropped privileges while another kept them is not an escalation; the cost is
 * that a process that held root since its exec and dropped it is not flagged when it regains it.
 * A process first seen after the sensor started (no fork or exec seen) adopts its creds unchecked.
 * Used from the decoder's thread.
 */
public final class CredBaseline {
    /** root: euid 0 is explained; caps: capabilities (effective | permitted) explained; userNs: where caps count. */
    private record Base(boolean root, long caps, long userNs) {}

    private static final int MAX = 1 << 18;
    private static final int S_ISUID = 04000;

    private final Map<Integer, Base> bases = new ConcurrentHashMap<>();

    /** The credentials an event carries. */
    public record Creds(int euid, long capEff, long capPrm, long userNs) {
        long caps() {
            return capEff | capPrm;
        }
    }

    /** A new process: it inherits the parent's baseline; the parent's creds at the fork when the parent has none. */
    public void onFork(int child, int parent, Creds parentNow) {
        Base b = bases.get(parent);
        put(child, b != null ? b : adopt(parentNow));
    }

    /**
     * An exec. Returns what the new creds hold that the old baseline and the exec do not explain
     * ({@code root}, CAP_ names), or null; the baseline becomes the new creds either way.
     *
     * @param exeMode    i_mode of the executed file
     * @param exeUid     owner of the executed file
     * @param secureexec the kernel raised privileges in this exec (set-id honoured or file capabilities)
     */
    public List<String> onExec(int pid, Creds now, int exeMode, int exeUid, boolean secureexec) {
        Base old = bases.get(pid);
        put(pid, adopt(now));
        if (old == null) {
            return null;
        }
        boolean setuidRoot = (exeMode & S_ISUID) != 0 && exeUid == 0;
        boolean rootOk = now.euid() != 0 || old.root() || setuidRoot;
        long newCaps = now.userNs() == old.userNs() ? now.caps() & ~old.caps() : 0;
        boolean capsOk = newCaps == 0 || secureexec || (now.euid() == 0 && (old.root() || setuidRoot));
        return gained(!rootOk, capsOk ? 0 : newCaps);
    }

    /**
     * Any other event of {@code pid}: returns what its creds hold beyond the baseline, or null. For a
     * setuid-family call, {@code newEuid} is the euid it set when it succeeded (-1: none or unchanged).
     */
    public List<String> onEvent(int pid, Creds now, int newEuid) {
        Base b = bases.get(pid);
        if (b == null) {
            b = adopt(now);
            if (newEuid == 0) {
                b = new Base(true, b.caps(), b.userNs());
            }
            put(pid, b);
            return null;
        }
        boolean rootGained = now.euid() == 0 && !b.root();
        long capsGained = 0;
        if (now.userNs() != b.userNs()) {
            // a user namespace of its own (unshare/clone/setns): capabilities count relative to it
            b = new Base(b.root(), now.caps(), now.userNs());
            put(pid, b);
        } else {
            capsGained = now.caps() & ~b.caps();
        }
        if (newEuid == 0 && !b.root()) {
            put(pid, new Base(true, b.caps(), b.userNs()));
        }
        return gained(rootGained, capsGained);
    }

    /** The process ended. */
    public void onExit(int pid) {
        bases.remove(pid);
    }

    /**
     * The euid a successful setuid-family call sets, from its raw arguments; -1 when it sets none
     * (setfsuid, a -1 euid argument, another syscall).
     */
    public static int euidSet(String syscall, long a0, long a1) {
        return switch (syscall) {
            case "setuid" -> (int) a0;
            case "setreuid", "setresuid" -> (int) a1;
            default -> -1;
        };
    }

    int size() {
        return bases.size();
    }

    private static Base adopt(Creds c) {
        return new Base(c.euid() == 0, c.caps(), c.userNs());
    }

    private void put(int pid, Base b) {
        if (bases.size() >= MAX && !bases.containsKey(pid)) {
            // exits were lost: forget everything (later events adopt their creds) rather than grow
            bases.clear();
        }
        bases.put(pid, b);
    }

    private static List<String> gained(boolean root, long caps) {
        if (!root && caps == 0) {
            return null;
        }
        List<String> out = new ArrayList<>();
        if (root) {
            out.add("root");
        }
        out.addAll(Capabilities.names(caps));
        return List.copyOf(out);
    }
}
