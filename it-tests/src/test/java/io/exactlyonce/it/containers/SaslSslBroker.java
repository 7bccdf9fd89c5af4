package io.exactlyonce.it.containers;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.MountableFile;

/**
 * A broker that offers nothing but SASL_SSL: SCRAM-SHA-512 over TLS on both client listeners (the
 * controller listener stays on the container's loopback). The CA and the broker's key are made here
 * with the JDK's {@code keytool}, for this test only; the SCRAM users (the broker's own and the
 * job's) are created when the broker formats its storage.
 *
 * <p>Clients trust the CA from PEM text inside their properties ({@code
 * ssl.truststore.certificates}), so the job's security file is the only file it needs, and only
 * where {@code main()} runs.
 */
final class SaslSslBroker {

    static final String MECHANISM = "SCRAM-SHA-512";
    static final String JOB_USER = "visit-count";
    private static final String BROKER_USER = "broker";
    private static final String SECRETS = "/opt/kafka/config/secrets";
    private static final String SCRAM_LOGIN =
            "org.apache.kafka.common.security.scram.ScramLoginModule required";

    private final TestCertificates certificates;
    private final String brokerPassword = secret();
    private final String jobPassword = secret();

    private SaslSslBroker(TestCertificates certificates) {
        this.certificates = certificates;
    }

    /** Makes the CA, the broker's key signed by it for {@code hostNames}, and the users. */
    static SaslSslBroker create(List<String> hostNames) throws Exception {
        SaslSslBroker broker = new SaslSslBroker(TestCertificates.create("kafka", hostNames));
        Files.writeString(
                broker.certificates.directory().resolve("scram-credentials"),
                MECHANISM
                        + "=[name="
                        + BROKER_USER
                        + ",password="
                        + broker.brokerPassword
                        + "]\n"
                        + MECHANISM
                        + "=[name="
                        + JOB_USER
                        + ",password="
                        + broker.jobPassword
                        + "]\n");
        return broker;
    }

    /** The broker's listeners, key and users; {@code kafka} is not started yet. */
    void configure(GenericContainer<?> kafka) {
        String listenerPrefix = "KAFKA_LISTENER_NAME_%s_SCRAM___SHA___512_SASL_JAAS_CONFIG";
        String storePassword = certificates.storePassword();
        kafka.withCopyFileToContainer(
                        MountableFile.forHostPath(certificates.serverKeystore(), 0644),
                        SECRETS + "/broker.p12")
                .withCopyFileToContainer(
                        MountableFile.forHostPath(certificates.caPem(), 0644), SECRETS + "/ca.pem")
                .withCopyFileToContainer(
                        MountableFile.forHostPath(
                                certificates.directory().resolve("scram-credentials"), 0644),
                        SECRETS + "/scram-credentials")
                .withEnv("KAFKA_SCRAM_CREDENTIALS_FILE", SECRETS + "/scram-credentials")
                .withEnv(
                        "KAFKA_LISTENERS",
                        "EXTERNAL://:9092,INTERNAL://:19092,CONTROLLER://127.0.0.1:9093")
                .withEnv(
                        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                        "EXTERNAL:SASL_SSL,INTERNAL:SASL_SSL,CONTROLLER:PLAINTEXT")
                .withEnv("KAFKA_SASL_ENABLED_MECHANISMS", MECHANISM)
                .withEnv("KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL", MECHANISM)
                .withEnv("KAFKA_SSL_KEYSTORE_TYPE", "PKCS12")
                .withEnv("KAFKA_SSL_KEYSTORE_LOCATION", SECRETS + "/broker.p12")
                .withEnv("KAFKA_SSL_KEYSTORE_PASSWORD", storePassword)
                .withEnv("KAFKA_SSL_KEY_PASSWORD", storePassword)
                // The broker is a client of its own INTERNAL listener, and checks at start that
                // its truststore accepts its own certificate.
                .withEnv("KAFKA_SSL_TRUSTSTORE_TYPE", "PEM")
                .withEnv("KAFKA_SSL_TRUSTSTORE_LOCATION", SECRETS + "/ca.pem")
                .withEnv(
                        String.format(listenerPrefix, "INTERNAL"),
                        SCRAM_LOGIN
                                + " username=\""
                                + BROKER_USER
                                + "\" password=\""
                                + brokerPassword
                                + "\";")
                .withEnv(String.format(listenerPrefix, "EXTERNAL"), SCRAM_LOGIN + ";");
    }

    /** The security settings of a client of the job's user, here or in the job. */
    Map<String, String> clientSecurity() {
        return clientSecurity(jobPassword);
    }

    private Map<String, String> clientSecurity(String password) {
        String caPem;
        try {
            caPem = certificates.caPemText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("security.protocol", "SASL_SSL");
        settings.put("sasl.mechanism", MECHANISM);
        settings.put(
                "sasl.jaas.config",
                SCRAM_LOGIN + " username=\"" + JOB_USER + "\" password=\"" + password + "\";");
        settings.put("ssl.truststore.type", "PEM");
        settings.put("ssl.truststore.certificates", caPem);
        return settings;
    }

    /** The job's security file; its path is the same here and where {@code flink run} runs. */
    Path jobSecurityFile() throws IOException {
        return securityFile("job-kafka-client.properties", jobPassword);
    }

    /** The same with a password the broker does not know. */
    Path wrongPasswordSecurityFile() throws IOException {
        return securityFile("wrong-password-kafka-client.properties", secret());
    }

    String jobPassword() {
        return jobPassword;
    }

    OptionValues jobOptions() throws IOException {
        return OptionValues.of(JobOptions.KAFKA_SECURITY_FILE, jobSecurityFile().toString());
    }

    private Path securityFile(String name, String password) throws IOException {
        Path file = certificates.directory().resolve(name);
        Properties properties = new Properties();
        properties.putAll(clientSecurity(password));
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(writer, "Kafka client security of the visit-count job (test)");
        }
        return file;
    }

    private static String secret() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
