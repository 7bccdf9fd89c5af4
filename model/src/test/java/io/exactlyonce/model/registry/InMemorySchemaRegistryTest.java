package io.exactlyonce.model.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.avro.UserVisitEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {

    private static final Schema EVENT = UserVisitEvent.getClassSchema();
    private static final Schema COUNT = UserVisitCount.getClassSchema();

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void allocatesIdsFromOne() {
        assertThat(registry.register("visits-value", EVENT)).isEqualTo(1);
        assertThat(registry.register("visit-counts-value", COUNT)).isEqualTo(2);
    }

    @Test
    void registeringAgainReturnsTheSameId() {
        int first = registry.register("visits-value", EVENT);

        assertThat(registry.register("visits-value", EVENT)).isEqualTo(first);
        assertThat(registry.register("visits-value", new Schema.Parser().parse(EVENT.toString())))
                .isEqualTo(first);
    }

    @Test
    void theSameSchemaUnderAnotherSubjectGetsTheSameId() {
        int id = registry.register("visits-value", EVENT);

        assertThat(registry.register("visits-replay-value", EVENT)).isEqualTo(id);
    }

    @Test
    void aSchemaDifferingOnlyInDocGetsANewId() {
        Schema documented =
                SchemaBuilder.record("R").doc("one").fields().requiredLong("n").endRecord();
        Schema redocumented =
                SchemaBuilder.record("R").doc("two").fields().requiredLong("n").endRecord();

        assertThat(registry.register("s", redocumented))
                .isNotEqualTo(registry.register("s", documented));
    }

    @Test
    void looksUpARegisteredSchemaOnlyUnderItsSubject() {
        int id = registry.register("visits-value", EVENT);

        assertThat(registry.idOf("visits-value", EVENT)).isEqualTo(id);
        assertThatThrownBy(() -> registry.idOf("visits-key", EVENT))
                .isInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining("'visits-key'");
        assertThatThrownBy(() -> registry.idOf("visits-value", COUNT))
                .isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void returnsTheSchemaById() {
        int id = registry.register("visits-value", EVENT);

        assertThat(registry.schemaById(id)).isEqualTo(EVENT).isNotSameAs(EVENT);
        assertThatThrownBy(() -> registry.schemaById(id + 1))
                .isInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining(String.valueOf(id + 1));
    }

    @Test
    void concurrentRegistrationsAgreeOnIds() throws Exception {
        List<Schema> schemas =
                IntStream.range(0, 20)
                        .mapToObj(
                                i ->
                                        SchemaBuilder.record("R" + i)
                                                .fields()
                                                .requiredLong("n")
                                                .endRecord())
                        .collect(Collectors.toList());
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Callable<List<Integer>> registerAll =
                        () -> {
                            start.await();
                            return schemas.stream()
                                    .map(s -> registry.register("s", s))
                                    .collect(Collectors.toList());
                        };
                results.add(pool.submit(registerAll));
            }
            start.countDown();

            List<Integer> first = results.get(0).get();
            for (Future<List<Integer>> result : results) {
                assertThat(result.get()).isEqualTo(first);
            }
            assertThat(Set.copyOf(first))
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.rangeClosed(1, 20).boxed().collect(Collectors.toList()));
        } finally {
            pool.shutdownNow();
        }
    }
}
