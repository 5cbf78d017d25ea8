package io.bulwark.sensor.integrity;

import io.bulwark.contract.Priority;
import java.util.List;
import java.util.Map;

/** The rules the integrity checks raise: name, priority, MITRE techniques. Vector: kernel-rootkit-hooks. */
public final class IntegrityRules {
    public static final String VECTOR = "kernel-rootkit-hooks";

    public static final String ENTRY_HOOK = "Kernel Function Hooked At Entry";
    public static final String TEXT_MODIFIED = "Kernel Text Modified";
    public static final String POINTER_REDIRECTED = "Kernel Function Pointer Redirected";
    public static final String BPF_ROOTKIT = "Rootkit Capable BPF Program Loaded";
    public static final String BPF_SIGNAL = "BPF Program Able To Kill Processes Loaded";
    public static final String BPF_SYSCALL_HOOK = "BPF Program Attached To Syscalls Loaded";
    public static final String HIDDEN_PROCESS = "Process Hidden From Proc";

    public record RuleInfo(Priority priority, List<String> mitre) {}

    /** Every rule: priority and MITRE ATT&CK technique ids (T1014 Rootkit; T1547.006 Kernel Modules and Extensions; T1564 Hide Artifacts). */
    public static final Map<String, RuleInfo> RULES = Map.of(
            ENTRY_HOOK, new RuleInfo(Priority.CRITICAL, List.of("T1014")),
            TEXT_MODIFIED, new RuleInfo(Priority.CRITICAL, List.of("T1014")),
            POINTER_REDIRECTED, new RuleInfo(Priority.CRITICAL, List.of("T1014")),
            BPF_ROOTKIT, new RuleInfo(Priority.CRITICAL, List.of("T1014", "T1547.006")),
            BPF_SIGNAL, new RuleInfo(Priority.ERROR, List.of("T1014", "T1547.006")),
            BPF_SYSCALL_HOOK, new RuleInfo(Priority.WARNING, List.of("T1014", "T1547.006")),
            HIDDEN_PROCESS, new RuleInfo(Priority.CRITICAL, List.of("T1014", "T1564")));

    private IntegrityRules() {}

    static Finding finding(String check, String rule, String target, String summary, Map<String, Object> details, String key) {
        return new Finding(check, rule, RULES.get(rule).priority(), target, summary, details, key);
    }
}
