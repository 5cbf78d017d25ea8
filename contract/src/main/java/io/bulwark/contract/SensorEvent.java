package io.bulwark.contract;

/**
 * One decoded kernel event, as {@code bulwark capture} writes it (one JSON line each) and as the
 * rules see it. Syscalls are paired in the kernel: {@code syscall.args} were read at entry and
 * {@code syscall.result} at exit, so every syscall event is an exit event (Falco's {@code evt.dir = <}).
 *
 * @param time      wall-clock time of the syscall exit, nanoseconds since the Unix epoch
 * @param syscall   what happened: the syscall or hook name, decoded arguments, result
 * @param process   who did it
 * @param container where it happened; {@code null} for a host process
 */
public record SensorEvent(long time, Syscall syscall, ProcessInfo process, ContainerInfo container) {

    /** True when the event came from a process the runtime itself runs (runc init, runc exec setup). */
    public boolean runtimeWork() {
        return process != null && process.runtimeWork();
    }
}
