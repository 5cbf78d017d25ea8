package io.bulwark.functions.testing;

import static io.restassured.RestAssured.given;

import io.restassured.response.Response;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Invokes the function through the Quarkus Lambda mock event server, as the Lambda runtime
 * would: POST the event to /_lambda_ and get the handler's answer (HTTP 500 with the error when
 * it throws). The port is random (test-port=0); the server publishes the real one in config.
 */
public final class Lambda {
    private Lambda() {}

    public static Response invoke(String event) {
        int port = ConfigProvider.getConfig().getValue("quarkus.lambda.mock-event-server.test-port", Integer.class);
        return given().baseUri("http://localhost").port(port).contentType("application/json").body(event)
                .when().post("/_lambda_");
    }
}
