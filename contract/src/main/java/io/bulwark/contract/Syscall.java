package io.bulwark.contract;

import java.util.Map;

/**
 * The syscall (or kernel hook) behind an event.
 *
 * @param name   syscall name ({@code setns}, {@code openat}) or hook ({@code execve} for
 *               sched_process_exec, {@code io_uring_openat}, {@code cgroup_mkdir}, {@code procexit})
 * @param args   decoded arguments by name: flag sets as {@code A|B} strings, paths, numbers
 * @param result the return value: {@code >= 0} success, {@code -errno} failure
 * @param errno  symbolic error name ({@code EPERM}) when {@code result < 0}, else null
 */
public record Syscall(String name, Map<String, Object> args, long result, String errno) {}
