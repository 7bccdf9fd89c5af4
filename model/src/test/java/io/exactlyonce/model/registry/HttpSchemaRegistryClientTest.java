package io.exactlyonce.model.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.avro.UserVisitEvent;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP client against {@link SchemaRegistryHttpServer}: both halves of the Confluent REST API.
 */
class HttpSchemaRegistryClientTest {

    private static final Schema EVENT = UserVisitEvent.getClassSchema();
    private static final Schema COUNT = UserVisitCount.getClassSchema();

    private final InMemorySchemaRegistry backing = new InMemorySchemaRegistry();
    private SchemaRegistryHttpServer server = new SchemaRegistryHttpServer(backing).start();

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void registerIsIdempotentAndIdsMatchTheRegistry() {
        backing.register("other-value", COUNT); // so the id under test is not trivially 1

        int id = client().register("visits-value", EVENT);

        assertThat(id).isEqualTo(2).isEqualTo(backing.idOf("visits-value", EVENT));
        assertThat(client().register("visits-value", EVENT))
                .as("fresh client, no cache")
                .isEqualTo(id);
        assertThat(client().register("visits-replay-value", EVENT))
                .as("other subject")
                .isEqualTo(id);
    }

    @Test
    void looksUpARegisteredSchemaWithoutRegisteringIt() {
        int id = backing.register("visits-value", EVENT);

        assertThat(client().idOf("visits-value", EVENT)).isEqualTo(id);
        assertThatThrownBy(() -> backing.idOf("visits-key", EVENT))
                .isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void lookupOfAnUnregisteredSchemaIsNotFound() {
        backing.register("visits-value", EVENT);
        HttpSchemaRegistryClient client = client();

        assertThatThrownBy(() -> client.idOf("visits-value", COUNT))
                .isInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining("404")
                .hasMessageContaining("'visits-value'");
        assertThatThrownBy(() -> client.idOf("no-such-subject", EVENT))
                .isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void fetchesTheSchemaById() {
        int id = backing.register("visits-value", EVENT);

        assertThat(client().schemaById(id)).isEqualTo(EVENT);
    }

    @Test
    void anUnknownIdIsNotFound() {
        assertThatThrownBy(() -> client().schemaById(7))
                .isInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining("schema id 7");
    }

    @Test
    void aStoppedRegistryIsUnavailable() {
        HttpSchemaRegistryClient client = client();
        client.register(
                "visits-value", EVENT); // opens a pooled connection that the stop then closes
        server.close();

        assertThatThrownBy(() -> client.register("visit-counts-value", COUNT))
                .isInstanceOf(SchemaRegistryUnavailableException.class);
        assertThatThrownBy(() -> client.idOf("visit-counts-value", COUNT))
                .isInstanceOf(SchemaRegistryUnavailableException.class);
        assertThatThrownBy(() -> client.schemaById(99))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining(server.url());
    }

    @Test
    void cachedAnswersOutliveTheRegistry() {
        HttpSchemaRegistryClient client = client();
        int id = client.register("visits-value", EVENT);
        int countId = backing.register("visit-counts-value", COUNT);
        Schema count = client.schemaById(countId);
        server.close();

        assertThat(client.register("visits-value", EVENT)).isEqualTo(id);
        assertThat(client.idOf("visits-value", EVENT)).isEqualTo(id);
        assertThat(client.schemaById(id)).isEqualTo(EVENT);
        assertThat(client.schemaById(countId)).isSameAs(count);
    }

    @Test
    void aPathPrefixInTheBaseUrlIsKept() {
        server.close();
        server = new SchemaRegistryHttpServer(backing, "/apis/ccompat/v7").start();
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(server.url() + "/");

        int id = client.register("visits-value", EVENT);

        assertThat(server.url()).endsWith("/apis/ccompat/v7");
        assertThat(new HttpSchemaRegistryClient(server.url()).idOf("visits-value", EVENT))
                .isEqualTo(id);
        assertThat(new HttpSchemaRegistryClient(server.url()).schemaById(id)).isEqualTo(EVENT);
    }

    @Test
    void aWrongBaseUrlIsAnErrorNotAMissingSchema() {
        server.close();
        server = new SchemaRegistryHttpServer(backing, "/apis/ccompat/v7").start();
        String withoutPrefix = server.url().replace("/apis/ccompat/v7", "");
        backing.register("visits-value", EVENT);

        assertThatThrownBy(() -> new HttpSchemaRegistryClient(withoutPrefix).schemaById(1))
                .isInstanceOf(SchemaRegistryException.class)
                .isNotInstanceOf(SchemaNotFoundException.class)
                .isNotInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("404");
    }

    @Test
    void subjectsAreEncodedIntoThePath() {
        String subject = "odd topic/with+chars-value";

        int id = client().register(subject, EVENT);

        assertThat(backing.idOf(subject, EVENT)).isEqualTo(id);
        assertThat(client().idOf(subject, EVENT)).isEqualTo(id);
    }

    @Test
    void aServerErrorIsUnavailable() {
        server.close();
        server =
                new SchemaRegistryHttpServer(
                                failingWith(new SchemaRegistryUnavailableException("store down")))
                        .start();

        assertThatThrownBy(() -> client().register("visits-value", EVENT))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("500")
                .hasMessageContaining("store down");
    }

    @Test
    void aRejectedSchemaIsAPlainRegistryError() {
        server.close();
        server =
                new SchemaRegistryHttpServer(
                                failingWith(new SchemaRegistryException("incompatible")))
                        .start();

        assertThatThrownBy(() -> client().register("visits-value", EVENT))
                .isInstanceOf(SchemaRegistryException.class)
                .isNotInstanceOf(SchemaNotFoundException.class)
                .isNotInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("422")
                .hasMessageContaining("42201");
    }

    @Test
    void aRegistryThatDoesNotAnswerTimesOut() throws Exception {
        // A bound socket that is never accepted from: the TCP handshake completes, no answer ever
        // comes.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var client =
                    new HttpSchemaRegistryClient(
                            "http://127.0.0.1:" + silent.getLocalPort(), Duration.ofMillis(300));

            assertThatThrownBy(() -> client.schemaById(1))
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasMessageContaining("timed out");
        }
    }

    @Test
    void rejectsABaseUrlThatIsNotHttp() {
        assertThatThrownBy(() -> new HttpSchemaRegistryClient("localhost:8081"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("localhost:8081");
    }

    @Test
    void sendsBasicAuthCredentialsAndNeverPrintsThem() {
        server.requireBasicAuth("job", "s3cret");
        int id = backing.register("visits-value", EVENT);
        HttpSchemaRegistryClient client =
                new HttpSchemaRegistryClient(server.url(), Duration.ofSeconds(5), "job:s3cret");

        assertThat(client.schemaById(id)).isEqualTo(EVENT);
        assertThat(client.idOf("visits-value", EVENT)).isEqualTo(id);
        assertThat(client.toString()).doesNotContain("s3cret");
    }

    @Test
    void aRegistryThatWantsCredentialsFailsInsteadOfCallingTheSchemaUnusable() {
        server.requireBasicAuth("job", "s3cret");
        int id = backing.register("visits-value", EVENT);

        assertThatThrownBy(() -> client().schemaById(id))
                .isExactlyInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("401")
                .hasMessageContaining("set basic.auth.user.info");
        assertThatThrownBy(
                        () ->
                                new HttpSchemaRegistryClient(
                                                server.url(), Duration.ofSeconds(5), "job:wrong")
                                        .schemaById(id))
                .isExactlyInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("refused the credentials")
                .hasMessageNotContaining("wrong");
    }

    @Test
    void refusesCredentialsInTheUrlWithoutRepeatingThem() {
        assertThatThrownBy(() -> new HttpSchemaRegistryClient("http://job:s3cret@registry:8081"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("basic.auth.user.info")
                .hasMessageNotContaining("s3cret");
    }

    private HttpSchemaRegistryClient client() {
        return new HttpSchemaRegistryClient(server.url(), Duration.ofSeconds(5));
    }

    private static SchemaRegistryClient failingWith(RuntimeException failure) {
        return new SchemaRegistryClient() {
            @Override
            public int register(String subject, Schema schema) {
                throw failure;
            }

            @Override
            public int idOf(String subject, Schema schema) {
                throw failure;
            }

            @Override
            public Schema schemaById(int id) {
                throw failure;
            }
        };
    }
}
