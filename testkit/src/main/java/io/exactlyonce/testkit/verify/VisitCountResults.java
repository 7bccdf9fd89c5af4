package io.exactlyonce.testkit.verify;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.pipeline.connect.VisitCountTable;
import io.exactlyonce.testkit.verify.Observations.CommittedValue;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The visit job's results: a count per (user, window) in its topic and {@code visit_counts}. */
public final class VisitCountResults implements ResultFormat {

    private final ConfluentAvroDeserializer<UserVisitCount> deserializer =
            new ConfluentAvroDeserializer<>(UserVisitCount.class);

    public VisitCountResults(String registryUrl) {
        deserializer.configure(VisitTraffic.serdeConfig(registryUrl), false);
    }

    @Override
    public CommittedValue fromKafka(ConsumerRecord<byte[], byte[]> record) {
        UserVisitCount count = deserializer.deserialize(record.topic(), record.value());
        return new CommittedValue(
                count.getUserId(), count.getWindowStart().toEpochMilli(), count.getVisitCount(), 1);
    }

    @Override
    public String selectRows() {
        return "SELECT user_id, window_start, visit_count, write_count FROM "
                + VisitCountTable.TABLE;
    }

    /** The rows of the windows that start in [{@code from}, {@code to}), epoch millis. */
    public String selectRows(long from, long to) {
        return selectRows() + " WHERE window_start >= " + from + " AND window_start < " + to;
    }
}
