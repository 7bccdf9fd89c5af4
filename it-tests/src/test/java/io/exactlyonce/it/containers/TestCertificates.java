package io.exactlyonce.it.containers;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A CA made for one test and a server key signed by it, made with the JDK's {@code keytool}
 * (nothing else needs installing): the server's key in a PKCS12 keystore and as PEM files, the CA
 * as PEM and as a PKCS12 truststore without a password (it holds no secret).
 */
final class TestCertificates {

    private final Path directory;
    private final String storePassword = UUID.randomUUID().toString().replace("-", "");

    private TestCertificates(Path directory) {
        this.directory = directory;
    }

    /** Makes the CA and a key for a server reached by any of {@code hostNames}. */
    static TestCertificates create(String name, List<String> hostNames) throws Exception {
        Path temporary = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        TestCertificates certificates =
                new TestCertificates(Files.createTempDirectory(temporary, "eo-" + name + "-tls"));
        certificates.make(hostNames);
        return certificates;
    }

    private void make(List<String> hostNames) throws Exception {
        String ca = directory.resolve("ca.p12").toString();
        String server = serverKeystore().toString();
        String csr = directory.resolve("server.csr").toString();
        String crt = serverCertificatePem().toString();
        String san =
                "san="
                        + String.join(
                                ",",
                                hostNames.stream()
                                        .map(h -> h.matches("[0-9.]+") ? "ip:" + h : "dns:" + h)
                                        .toList());
        onStore(
                ca,
                "-genkeypair",
                "-alias",
                "ca",
                "-dname",
                "CN=eo-test-ca",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-ext",
                "bc:c",
                "-storetype",
                "PKCS12");
        onStore(ca, "-exportcert", "-rfc", "-alias", "ca", "-file", caPem().toString());
        onStore(
                server,
                "-genkeypair",
                "-alias",
                "server",
                "-dname",
                "CN=" + hostNames.get(0),
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-storetype",
                "PKCS12");
        onStore(server, "-certreq", "-alias", "server", "-file", csr);
        onStore(
                ca,
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-infile",
                csr,
                "-outfile",
                crt,
                "-validity",
                "2",
                "-ext",
                san,
                "-ext",
                "eku=serverAuth");
        onStore(server, "-importcert", "-noprompt", "-alias", "ca", "-file", caPem().toString());
        onStore(server, "-importcert", "-noprompt", "-alias", "server", "-file", crt);
        writeServerKeyPem();
        writeTruststore();
    }

    /** The server's private key as unencrypted PKCS#8 PEM, as MariaDB reads it. */
    private void writeServerKeyPem() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(serverKeystore())) {
            store.load(in, storePassword.toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("server", storePassword.toCharArray());
        String body =
                Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(key.getEncoded());
        Files.writeString(
                serverKeyPem(),
                "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
    }

    /**
     * The CA in a PKCS12 truststore that keytool neither encrypts nor seals with a MAC: it opens
     * without a password, so no password has to go into a JDBC URL.
     */
    private void writeTruststore() throws Exception {
        onStore(
                caTruststore().toString(),
                "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE",
                "-J-Dkeystore.pkcs12.macAlgorithm=NONE",
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caPem().toString(),
                "-storetype",
                "PKCS12");
    }

    Path caPem() {
        return directory.resolve("ca.pem");
    }

    /** PKCS12 with the CA only, no password. */
    Path caTruststore() {
        return directory.resolve("ca-truststore.p12");
    }

    Path serverKeystore() {
        return directory.resolve("server.p12");
    }

    Path serverCertificatePem() {
        return directory.resolve("server.crt");
    }

    Path serverKeyPem() {
        return directory.resolve("server.key");
    }

    String storePassword() {
        return storePassword;
    }

    Path directory() {
        return directory;
    }

    String caPemText() throws Exception {
        return Files.readString(caPem(), StandardCharsets.US_ASCII);
    }

    /** keytool {@code args} on {@code keystore}, opened with this run's store password. */
    private void onStore(String keystore, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-keystore", keystore, "-storepass", storePassword));
        keytool(all.toArray(String[]::new));
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            String step =
                    command.stream()
                            .filter(a -> a.startsWith("-") && !a.startsWith("-J"))
                            .findFirst()
                            .orElse("");
            throw new IllegalStateException("keytool " + step + " failed: " + output);
        }
    }
}
