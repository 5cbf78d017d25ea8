package io.bulwark.response;

/** An event the responder cannot act on (not JSON, not an EventBridge envelope, …); the message says why. */
public class MalformedEventException extends IllegalArgumentException {
    public MalformedEventException(String message) {
        super(message);
    }
}
