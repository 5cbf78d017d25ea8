package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A hand-written stand-in for AWS KMS: no KMS emulator exists among the allowed tools (LocalStack's is
 * not open to us, moto is Python). It speaks KMS's wire protocol (HTTP POST, AWS JSON 1.1,
 * {@code X-Amz-Target: TrentService.Sign | GetPublicKey | Verify}) for asymmetric SIGN_VERIFY keys as
 * KMS documents them: ECC_NIST_P256 with ECDSA_SHA_256 (a DER-encoded ECDSA signature) and RSA_2048
 * with RSASSA_PSS_SHA_256 (salt length 32, MGF1 SHA-256); MessageType RAW (KMS hashes) or DIGEST (KMS
 * signs the given SHA-256 as is); GetPublicKey answers the DER SubjectPublicKeyInfo. Errors come back
 * as KMS's JSON {@code __type} (NotFoundException, InvalidKeyUsageException,
 * KMSInvalidSignatureException, ValidationException). It does not check SigV4 signatures; it records
 * each request (target, Authorization header, body) for the tests.
 */
public final class KmsStandIn implements AutoCloseable {
    /** One key: its ARN, spec and pair. */
    public record Key(String arn, String spec, KeyPair pair) {}

    /** A request as received. */
    public record Request(String target, String authorization, String contentType, JsonNode body) {}

    private final HttpServer server;
    private final Map<String, Key> keys = new ConcurrentHashMap<>();
    public final List<Request> requests = new CopyOnWriteArrayList<>();

    public KmsStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Creates a key: ECC_NIST_P256 or RSA_2048. */
    public Key create(String spec) throws GeneralSecurityException {
        KeyPairGenerator g;
        if (spec.equals("ECC_NIST_P256")) {
            g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
        } else if (spec.equals("RSA_2048")) {
            g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
        } else {
            throw new IllegalArgumentException(spec);
        }
        String id = java.util.UUID.randomUUID().toString();
        Key k = new Key("arn:aws:kms:us-east-1:111122223333:key/" + id, spec, g.generateKeyPair());
        keys.put(id, k);
        keys.put(k.arn(), k);
        return k;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
            JsonNode body = Json.mapper().readTree(ex.getRequestBody().readAllBytes());
            requests.add(new Request(target, ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("Content-Type"), body));
            if (!"POST".equals(ex.getRequestMethod()) || target == null || !target.startsWith("TrentService.")) {
                reply(ex, 400, error("UnknownOperationException", "not a KMS JSON 1.1 request"));
                return;
            }
            Key k = keys.get(body.path("KeyId").asText(""));
            if (k == null) {
                reply(ex, 400, error("NotFoundException", "Key '" + body.path("KeyId").asText() + "' does not exist"));
                return;
            }
            ObjectNode out = Json.mapper().createObjectNode();
            out.put("KeyId", k.arn());
            switch (target.substring("TrentService.".length())) {
                case "GetPublicKey" -> {
                    out.put("PublicKey", Base64.getEncoder().encodeToString(k.pair().getPublic().getEncoded()));
                    out.put("KeySpec", k.spec());
                    out.put("CustomerMasterKeySpec", k.spec());
                    out.put("KeyUsage", "SIGN_VERIFY");
                    out.putArray("SigningAlgorithms").add(algorithm(k));
                }
                case "Sign", "Verify" -> {
                    String alg = body.path("SigningAlgorithm").asText("");
                    if (!alg.equals(algorithm(k))) {
                        reply(ex, 400, error("InvalidKeyUsageException", "key " + k.arn() + " (" + k.spec() + ") does not sign with " + alg));
                        return;
                    }
                    byte[] msg = Base64.getDecoder().decode(body.path("Message").asText(""));
                    String type = body.path("MessageType").asText("RAW");
                    byte[] digest = type.equals("DIGEST") ? msg : MessageDigest.getInstance("SHA-256").digest(msg);
                    if (digest.length != 32 || msg.length > 4096) {
                        reply(ex, 400, error("ValidationException", "Digest is invalid length for algorithm " + alg + " (or message over 4096 bytes)"));
                        return;
                    }
                    out.put("SigningAlgorithm", alg);
                    if (target.endsWith("Sign")) {
                        out.put("Signature", Base64.getEncoder().encodeToString(sign(k, digest)));
                    } else {
                        byte[] sig = Base64.getDecoder().decode(body.path("Signature").asText(""));
                        if (!verify(k, digest, sig)) {
                            reply(ex, 400, error("KMSInvalidSignatureException", null));
                            return;
                        }
                        out.put("SignatureValid", true);
                    }
                }
                default -> {
                    reply(ex, 400, error("UnknownOperationException", target));
                    return;
                }
            }
            reply(ex, 200, out);
        } catch (GeneralSecurityException | RuntimeException e) {
            reply(ex, 500, error("KMSInternalException", e.toString()));
        }
    }

    static String algorithm(Key k) {
        return k.spec().startsWith("ECC") ? "ECDSA_SHA_256" : "RSASSA_PSS_SHA_256";
    }

    /** KMS signs the digest itself: ECDSA over the digest (NONEwithECDSA), RSA PSS encoded by hand (the JDK's hashes first). */
    static byte[] sign(Key k, byte[] digest) throws GeneralSecurityException {
        if (k.spec().startsWith("ECC")) {
            Signature s = Signature.getInstance("NONEwithECDSA");
            s.initSign(k.pair().getPrivate());
            s.update(digest);
            return s.sign();
        }
        RSAPrivateKey priv = (RSAPrivateKey) k.pair().getPrivate();
        int modBits = priv.getModulus().bitLength();
        byte[] em = emsaPss(digest, modBits - 1);
        BigInteger s = new BigInteger(1, em).modPow(priv.getPrivateExponent(), priv.getModulus());
        byte[] out = new byte[(modBits + 7) / 8];
        byte[] raw = s.toByteArray();
        int skip = raw.length > out.length ? raw.length - out.length : 0;
        System.arraycopy(raw, skip, out, out.length - (raw.length - skip), raw.length - skip);
        return out;
    }

    static boolean verify(Key k, byte[] digest, byte[] sig) throws GeneralSecurityException {
        if (k.spec().startsWith("ECC")) {
            Signature s = Signature.getInstance("NONEwithECDSA");
            s.initVerify(k.pair().getPublic());
            s.update(digest);
            try {
                return s.verify(sig);
            } catch (java.security.SignatureException e) {
                return false;
            }
        }
        // the JDK's RSASSA-PSS with a digest-passthrough is not offered: verify by recomputing the encoding's hash
        java.security.interfaces.RSAPublicKey pub = (java.security.interfaces.RSAPublicKey) k.pair().getPublic();
        int modBits = pub.getModulus().bitLength();
        int emLen = (modBits - 1 + 7) / 8;
        byte[] m = new BigInteger(1, sig).modPow(pub.getPublicExponent(), pub.getModulus()).toByteArray();
        byte[] em = new byte[emLen];
        int skip = m.length > emLen ? m.length - emLen : 0;
        System.arraycopy(m, skip, em, emLen - (m.length - skip), m.length - skip);
        if ((em[emLen - 1] & 0xff) != 0xbc) {
            return false;
        }
        byte[] h = java.util.Arrays.copyOfRange(em, emLen - 33, emLen - 1);
        byte[] db = mgf1(h, emLen - 33);
        for (int i = 0; i < db.length; i++) {
            db[i] ^= em[i];
        }
        db[0] &= (byte) (0xff >>> (8 * emLen - (modBits - 1)));
        byte[] salt = java.util.Arrays.copyOfRange(db, db.length - 32, db.length);
        return java.util.Arrays.equals(h, hPrime(digest, salt));
    }

    /** EMSA-PSS-ENCODE (RFC 8017 9.1.1) of an already computed SHA-256, salt 32 bytes. */
    static byte[] emsaPss(byte[] mHash, int emBits) throws GeneralSecurityException {
        int emLen = (emBits + 7) / 8;
        byte[] salt = new byte[32];
        new SecureRandom().nextBytes(salt);
        byte[] h = hPrime(mHash, salt);
        byte[] db = new byte[emLen - 33];
        db[db.length - 33] = 0x01;
        System.arraycopy(salt, 0, db, db.length - 32, 32);
        byte[] mask = mgf1(h, db.length);
        for (int i = 0; i < db.length; i++) {
            db[i] ^= mask[i];
        }
        db[0] &= (byte) (0xff >>> (8 * emLen - emBits));
        byte[] em = new byte[emLen];
        System.arraycopy(db, 0, em, 0, db.length);
        System.arraycopy(h, 0, em, db.length, 32);
        em[emLen - 1] = (byte) 0xbc;
        return em;
    }

    private static byte[] hPrime(byte[] mHash, byte[] salt) throws GeneralSecurityException {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(new byte[8]);
        d.update(mHash);
        d.update(salt);
        return d.digest();
    }

    private static byte[] mgf1(byte[] seed, int len) throws GeneralSecurityException {
        byte[] out = new byte[len];
        int done = 0;
        for (int c = 0; done < len; c++) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(seed);
            d.update(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
            byte[] b = d.digest();
            int n = Math.min(b.length, len - done);
            System.arraycopy(b, 0, out, done, n);
            done += n;
        }
        return out;
    }

    private static ObjectNode error(String type, String message) {
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("__type", type);
        if (message != null) {
            e.put("message", message);
        }
        return e;
    }

    private static void reply(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] b = Json.mapper().writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        ex.getResponseHeaders().set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
