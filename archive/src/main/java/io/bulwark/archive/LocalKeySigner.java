package io.bulwark.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;

/**
 * Ed25519 with a key on local disk: the local stack's signer (in AWS the KMS signer). The private
 * key is PKCS#8 PEM in a file of mode 0600 (created on first use, in a directory of mode 0700); the
 * public key sits beside it as {@code FILE.pub}. A key file readable by others is refused.
 */
public final class LocalKeySigner implements Signer {
    private final PrivateKey key;
    private final String publicPem;
    private final String keyId;

    private LocalKeySigner(PrivateKey key, byte[] spki) {
        this.key = key;
        this.publicPem = Keys.pem("PUBLIC KEY", spki);
        this.keyId = Keys.keyId(spki);
    }

    /** The key in {@code file}, generated there (and {@code file}.pub) when absent. */
    public static LocalKeySigner open(Path file) throws IOException {
        try {
            if (!Files.exists(file)) {
                generate(file);
            }
            var perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new IOException(file + ": the signing key is readable by others (mode " + PosixFilePermissions.toString(perms)
                        + "); chmod 600 it");
            }
            byte[] pkcs8 = Keys.der(Files.readString(file, StandardCharsets.US_ASCII));
            PrivateKey priv = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            Path pub = Path.of(file + ".pub");
            if (!Files.exists(pub)) {
                throw new IOException(pub + ": the public half of " + file + " is missing");
            }
            byte[] spki = Keys.der(Files.readString(pub, StandardCharsets.US_ASCII));
            KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            LocalKeySigner s = new LocalKeySigner(priv, spki);
            if (!Keys.verify("Ed25519", s.publicPem, new byte[] {1, 2, 3}, s.sign(new byte[] {1, 2, 3}))) {
                throw new IOException(pub + " is not the public half of " + file);
            }
            return s;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(file + ": not an Ed25519 PKCS#8 PEM key: " + e.getMessage(), e);
        }
    }

    private static void generate(Path file) throws IOException, GeneralSecurityException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.exists(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path tmp = Files.createTempFile(dir, ".key-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Keys.pem("PRIVATE KEY", kp.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
        Path pub = Path.of(file + ".pub");
        Files.writeString(pub, Keys.pem("PUBLIC KEY", kp.getPublic().getEncoded()), StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE); // another process may have made one meanwhile: keep the first
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public String algorithm() {
        return "Ed25519";
    }

    @Override
    public String keyId() {
        return keyId;
    }

    @Override
    public String publicKeyPem() {
        return publicPem;
    }

    @Override
    public byte[] sign(byte[] data) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
        }
    }
}
