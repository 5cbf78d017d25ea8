package io.bulwark.sensor.probe;

/** The node cannot run the sensor as it is (not root, no BTF, no libbpf …). The message says how to fix it. */
public class EnvironmentException extends RuntimeException {
    public EnvironmentException(String message) {
        super(message);
    }
}
