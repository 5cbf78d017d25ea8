package io.bulwark.sensor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "capture", description = "Record decoded kernel events as JSON lines.")
public class CaptureCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
