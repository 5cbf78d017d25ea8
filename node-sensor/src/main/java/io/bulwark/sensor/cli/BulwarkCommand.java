package io.bulwark.sensor.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The {@code bulwark} command line. Each verb is one class in this package. */
@TopCommand
@Command(name = "bulwark", mixinStandardHelpOptions = true, version = "bulwark 0.1.0",
        description = {
            "Container escape detection for Linux nodes.",
            "",
            "Run as root on the node. Typical session:",
            "  bulwark capture --out /tmp/ev.jsonl --seconds 10   # record raw kernel events",
            "  bulwark up --alerts /var/log/bulwark/alerts.jsonl  # detect, print and keep alerts",
            "  bulwark audit                                      # score every container's escape surface",
            "  bulwark integrity                                  # check the kernel for rootkit hooks",
            "  bulwark rules check my_rules.yaml                  # validate rule files",
            "  bulwark evidence capture --container ID            # a container's forensic evidence, now",
            "  bulwark release INCIDENT                           # thaw what an incident froze"
        },
        subcommands = {
            CaptureCommand.class,
            UpCommand.class,
            ReplayCommand.class,
            AuditCommand.class,
            RulesCommand.class,
            IntegrityCommand.class,
            ReleaseCommand.class,
            EvidenceCommand.class,
        })
public class BulwarkCommand {
}
