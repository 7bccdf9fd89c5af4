package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job against a broker that offers only SASL_SSL (SCRAM-SHA-512, a CA made for the test): every
 * client of the job (source, sinks, the start check) and of the test (traffic, verdict) reaches it
 * only through {@code --kafka.security-file}'s settings. With the right password the job commits
 * exactly once through a TaskManager {@code kill -9}; with a wrong one {@code flink run} refuses to
 * submit, in one message that names the cause and not the password.
 */
@Tag("containers")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SaslSslBrokerITCase {

    private static final String SCENARIO = "kafka-sasl-ssl";
    private static final int PARALLELISM = 2;

    /** Two minutes of traffic: the job must be running, and checkpointing, before its end. */
    private static final int EVENTS = 24_000;

    private static final int EVENTS_PER_SECOND = 200;

    private static SaslSslBroker broker;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(
                    SCENARIO,
                    PARALLELISM,
                    () -> {
                        broker = SaslSslBroker.create(List.of("kafka", "localhost", "127.0.0.1"));
                        return new ServiceSecurity(broker, null);
                    });

    @Test
    @Order(1)
    void theBrokerRefusesAClientWithoutTlsAndSasl() {
        ContainerEnvironment environment = CONTAINERS.environment();
        Properties plaintext = new Properties();
        plaintext.put(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                environment.services().bootstrapServers());
        plaintext.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        plaintext.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(plaintext)) {
            assertThatThrownBy(() -> admin.describeCluster().clusterId().get())
                    .as("a plaintext client of the only client listener")
                    .isNotNull();
        }
    }

    @Test
    @Order(2)
    void aWrongPasswordIsRefusedAtStartInOneMessage() throws Exception {
        ContainerEnvironment environment = CONTAINERS.environment();
        VerifiedRun.Plan plan =
                FaultScenario.plan(
                        "sasl_wrong",
                        PARALLELISM,
                        EVENTS,
                        EVENTS_PER_SECOND,
                        OptionValues.of(
                                JobOptions.KAFKA_SECURITY_FILE,
                                broker.wrongPasswordSecurityFile().toString()));
        JobSettings config = VerifiedRun.config(plan, environment.services());
        int slots = environment.flink().rest().availableSlots();

        assertThatThrownBy(() -> environment.flink().jobRunner().submit(config, plan))
                .hasMessageContaining("Cannot start: the brokers refused the job's credentials")
                .hasMessageContaining("--kafka.security-file")
                .hasMessageContaining(SaslSslBroker.MECHANISM)
                .hasMessageNotContaining(broker.jobPassword());
        assertThat(environment.flink().rest().availableSlots())
                .as("free slots after the refused submission: no job was started")
                .isEqualTo(slots);
    }

    @Test
    @Order(3)
    void theJobCommitsExactlyOnceThroughSaslSslAcrossATaskManagerKill() throws Exception {
        ContainerEnvironment environment = CONTAINERS.environment();
        VerifiedRun.Plan plan =
                FaultScenario.plan(
                        "sasl_ssl", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of());
        assertThat(VerifiedRun.config(plan, environment.services()).kafkaSecurity().settings())
                .as("the job's Kafka security, from its security file")
                .containsEntry("security.protocol", "SASL_SSL");

        KillOneTaskManager.runExactlyOnce(SCENARIO, environment, plan);
    }
}
