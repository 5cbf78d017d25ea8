package io.bulwark.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The KMS signing path end to end: the SDK's KmsClient talks to {@link KmsStandIn} (a hand-written
 * stand-in speaking KMS's JSON 1.1 protocol: no KMS emulator exists here), the evidence is archived
 * through the real S3Proxy and signed by the KMS key, and `bulwark archive verify` checks the
 * signature with the published public key only, no KMS access.
 */
@Tag("servers")
class KmsSignerTest {
    @TempDir
    Path tmp;
    KmsStandIn kmsServer;
    KmsClient kms;
    LocalS3 s3;

    @BeforeEach
    void start() throws Exception {
        kmsServer = new KmsStandIn();
        kms = Aws.kms("us-east-1", kmsServer.endpoint(), true);
        s3 = new LocalS3(tmp.resolve("archive"));
    }

    @AfterEach
    void stop() throws Exception {
        kms.close();
        kmsServer.close();
        s3.close();
    }

    private int cli(StringBuilder out, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int rc = ArchiveCommand.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(o, true, StandardCharsets.UTF_8));
        out.setLength(0);
        out.append(o.toString(StandardCharsets.UTF_8));
        return rc;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ECC_NIST_P256", "RSA_2048"})
    void aKmsSignedIncidentVerifiesWithThePublishedKeyAndTamperingFails(String spec) throws Exception {
        KmsStandIn.Key key = kmsServer.create(spec);
        KmsSigner signer = new KmsSigner(kms, key.arn());
        String alg = spec.startsWith("ECC") ? "ECDSA_SHA_256" : "RSASSA_PSS_SHA_256";
        assertEquals(alg, signer.algorithm(), "the key's own algorithm");
        Spool spool = Spool.typical(tmp.resolve("evidence"), "6b6b6b6b-0000-8000-8000-00000000000" + (spec.startsWith("ECC") ? "1" : "2"),
                "2026-12-07T02:00:00.000Z").write();
        S3Store store = new S3Store(s3.client, LocalS3.BUCKET, S3Store.Lock.NONE);
        Ingest.Result r = Ingest.upload(store, spool.dir, signer, "bulwark ship on node-a", null);

        // on the wire: KMS JSON 1.1, SigV4-signed, the 32-byte digest with MessageType DIGEST
        KmsStandIn.Request sign = kmsServer.requests.stream().filter(q -> "TrentService.Sign".equals(q.target())).findFirst().orElseThrow();
        assertEquals("application/x-amz-json-1.1", sign.contentType());
        assertTrue(sign.authorization() != null && sign.authorization().startsWith("AWS4-HMAC-SHA256 Credential="), sign.authorization());
        assertEquals("DIGEST", sign.body().path("MessageType").asText());
        assertEquals(alg, sign.body().path("SigningAlgorithm").asText());
        assertEquals(32, java.util.Base64.getDecoder().decode(sign.body().path("Message").asText()).length);

        JsonNode m = Json.mapper().readTree(store.read(r.prefix() + "manifest.json"));
        assertEquals(alg, m.path("signature").path("alg").asText());
        assertEquals(key.arn(), m.path("signature").path("kms_key").asText());
        assertEquals(signer.keyId(), m.path("signature").path("key_id").asText());
        // KMS's own Verify agrees, and refuses a signature over other bytes
        byte[] sig = java.util.Base64.getDecoder().decode(m.path("signature").path("value").asText());
        byte[] signed = CanonicalJson.signedBytes((com.fasterxml.jackson.databind.node.ObjectNode) m);
        assertTrue(signer.verifyWithKms(signed, sig));
        assertFalse(signer.verifyWithKms("other".getBytes(), sig));

        // `bulwark archive verify`, trusting the KMS key's public key (as a responder would, from GetPublicKey)
        Path trusted = tmp.resolve("kms-" + spec + ".pub");
        Files.writeString(trusted, signer.publicKeyPem());
        StringBuilder out = new StringBuilder();
        String dir = s3.bucketDir().toString();
        assertEquals(0, cli(out, "verify", spool.id, "--store", dir, "--trust-key", trusted.toString()), out.toString());
        assertTrue(out.toString().contains(signer.keyId()), out.toString());
        // through S3 too
        assertEquals(0, cli(out, "verify", spool.id, "--store", "s3://" + LocalS3.BUCKET, "--s3-endpoint", "http://127.0.0.1:" + s3.tee.port(),
                "--trust-key", trusted.toString()), out.toString());

        // `archive report` signs its part with the KMS key too, through --kms-endpoint
        assertEquals(0, cli(out, "report", spool.id, "--store", dir, "-o", tmp.resolve("r-" + spec + ".html").toString(), "--kms-key-id", key.arn(),
                "--kms-endpoint", kmsServer.endpoint().toString()), out.toString());
        assertTrue(out.toString().contains("manifest.d/0002.json"), out.toString());
        assertEquals(alg, Json.mapper().readTree(store.read(r.prefix() + "manifest.d/0002.json")).path("signature").path("alg").asText());
        assertEquals(0, cli(out, "verify", spool.id, "--store", dir, "--trust-key", trusted.toString()), out.toString());

        // a forged signature: one byte of the manifest's signature changed
        Path mf = s3.bucketDir().resolve(r.prefix() + "manifest.json");
        mf.toFile().setWritable(true);
        String text = Files.readString(mf);
        String value = m.path("signature").path("value").asText();
        String forged = (value.charAt(10) == 'A' ? "B" : "A");
        Files.writeString(mf, text.replace(value, value.substring(0, 10) + forged + value.substring(11)));
        assertEquals(1, cli(out, "verify", spool.id, "--store", dir, "--trust-key", trusted.toString()), out.toString());
        assertTrue(out.toString().contains("manifest.json") && out.toString().contains("signature"), out.toString());
    }

    @Test
    void aKeyThatCannotSignOrDoesNotExistIsAClearError() throws Exception {
        KmsStandIn.Key rsa = kmsServer.create("RSA_2048");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KmsSigner(kms, rsa.arn(), "ECDSA_SHA_256"));
        assertTrue(e.getMessage().contains("does not sign with ECDSA_SHA_256") && e.getMessage().contains("RSASSA_PSS_SHA_256"), e.getMessage());
        var missing = assertThrows(software.amazon.awssdk.services.kms.model.NotFoundException.class,
                () -> new KmsSigner(kms, "arn:aws:kms:us-east-1:111122223333:key/none"));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }

    @Test
    void theStandInsSignaturesAreTheOnesJavaVerifiesOverTheFullBytes() throws Exception {
        // the stand-in signs digests as KMS does; the manifest check (Keys.verify) hashes the full bytes itself
        byte[] data = "canonical manifest bytes".getBytes(StandardCharsets.UTF_8);
        for (String spec : List.of("ECC_NIST_P256", "RSA_2048")) {
            KmsSigner s = new KmsSigner(kms, kmsServer.create(spec).arn());
            byte[] sig = s.sign(data);
            assertTrue(Keys.verify(s.algorithm(), s.publicKeyPem(), data, sig), spec);
            assertFalse(Keys.verify(s.algorithm(), s.publicKeyPem(), "changed".getBytes(), sig), spec);
        }
    }
}
