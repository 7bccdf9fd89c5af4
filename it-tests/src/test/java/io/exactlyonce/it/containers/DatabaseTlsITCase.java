package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job against a MariaDB that requires TLS ({@code require_secure_transport=ON}, a CA made for
 * the test): the XA sink, its server check and the start check connect with {@code
 * sslMode=VERIFY_IDENTITY} against the CA from a file on every TaskManager, and the job commits
 * exactly once through a TaskManager {@code kill -9}.
 */
@Tag("containers")
class DatabaseTlsITCase {

    private static final String SCENARIO = "database-tls";
    private static final int PARALLELISM = 2;

    /** Two minutes of traffic: the job must be running, and checkpointing, before its end. */
    private static final int EVENTS = 24_000;

    private static final int EVENTS_PER_SECOND = 200;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(
                    SCENARIO,
                    PARALLELISM,
                    () ->
                            new ServiceSecurity(
                                    null,
                                    TestCertificates.create(
                                            "mariadb",
                                            List.of("mariadb", "localhost", "127.0.0.1"))));

    @Test
    void theDatabaseRefusesAConnectionWithoutTls() throws Exception {
        ContainerEnvironment environment = CONTAINERS.environment();
        ContainerServices services = environment.services();
        String verified = services.jdbcUrl("");
        String plain = verified.substring(0, verified.indexOf('?')) + "?sslMode=DISABLED";

        assertThatThrownBy(
                        () ->
                                DriverManager.getConnection(
                                                plain, services.jdbcUser(), services.jdbcPassword())
                                        .close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("insecure transport");
        try (Connection connection =
                        DriverManager.getConnection(
                                verified, services.jdbcUser(), services.jdbcPassword());
                Statement statement = connection.createStatement();
                ResultSet cipher =
                        statement.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
            assertThat(cipher.next()).isTrue();
            assertThat(cipher.getString(2)).as("the verified connection's TLS cipher").isNotBlank();
        }
    }

    @Test
    void theJobCommitsExactlyOnceOverVerifiedTlsAcrossATaskManagerKill() throws Exception {
        ContainerEnvironment environment = CONTAINERS.environment();
        VerifiedRun.Plan plan =
                FaultScenario.plan(
                        "db_tls", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of());
        assertThat(VerifiedRun.config(plan, environment.services()).countsToDatabase().jdbcUrl())
                .as("the job's JDBC URL")
                .contains("sslMode=VERIFY_IDENTITY")
                .contains("trustCertificateKeyStoreUrl=file:");

        KillOneTaskManager.runExactlyOnce(SCENARIO, environment, plan);
    }
}
