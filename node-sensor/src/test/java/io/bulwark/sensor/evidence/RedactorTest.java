package io.bulwark.sensor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
    @Test
    void redactsValuesOfSecretLookingNames() {
        for (String name : List.of("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "GITHUB_TOKEN", "DB_PASSWORD",
                "MYSQL_ROOT_PASSWD", "STRIPE_API_KEY", "API_KEY", "SERVICE_CREDENTIALS", "client_secret", "DBPASSWORD", "X_AUTH")) {
            assertEquals(name + "=" + Redactor.MARK, Redactor.environ(name + "=value1"), name);
        }
    }

    @Test
    void keepsOrdinaryEnvironmentAndEmptyValues() {
        for (String e : List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "PWD=/srv/app",
                "HOSTNAME=web-7d9f", "LANG=C.UTF-8", "KUBERNETES_SERVICE_HOST=10.96.0.1", "KEYBOARD=us", "API_TOKEN=")) {
            assertEquals(e, Redactor.environ(e), e);
        }
    }

    @Test
    void redactsKeyLookingValuesWhateverTheirName() {
        assertEquals("X=" + Redactor.MARK, Redactor.environ("X=AKIAIOSFODNN7EXAMPLE"));
        assertEquals("CONFIG=" + Redactor.MARK, Redactor.environ("CONFIG=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig"));
        assertEquals("DATABASE_URL=" + Redactor.MARK, Redactor.environ("DATABASE_URL=postgres://app:s3cret@db:5432/app"));
        assertEquals("GH=" + Redactor.MARK, Redactor.environ("GH=ghp_abcdefghijklmnopqrstuvwxyz0123456789"));
        assertEquals("RANDOM=" + Redactor.MARK, Redactor.environ("RANDOM=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo"));
        assertEquals("DIGEST=" + Redactor.MARK, Redactor.environ("DIGEST=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
        // a long path or sentence is not a key
        assertEquals("P=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/1234/fs",
                Redactor.environ("P=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/1234/fs"));
    }

    @Test
    void redactsSecretOptionsAndAssignmentsOnCommandLines() {
        assertEquals(List.of("mysql", "-u", "root", "--password=" + Redactor.MARK, "db"),
                Redactor.argv(List.of("mysql", "-u", "root", "--password=hunter2", "db")));
        assertEquals(List.of("app", "--token", Redactor.MARK, "--verbose"), Redactor.argv(List.of("app", "--token", "abc", "--verbose")));
        assertEquals(List.of("runc", "exec", "--env", "DB_PASSWORD=" + Redactor.MARK, "--env", "GREETING=hello", "c1", "sh"),
                Redactor.argv(List.of("runc", "exec", "--env", "DB_PASSWORD=x", "--env", "GREETING=hello", "c1", "sh")));
        assertEquals(List.of("sh", "-c", "echo hi > /tmp/x"), Redactor.argv(List.of("sh", "-c", "echo hi > /tmp/x")));
    }
}
