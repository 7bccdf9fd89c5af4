package io.exactlyonce.pipeline.connect;

import io.exactlyonce.pipeline.api.OperatorIds;
import io.exactlyonce.pipeline.api.VisitSource;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.operators.DecodedRecord;
import io.exactlyonce.pipeline.operators.VisitDecoder;
import io.exactlyonce.pipeline.operators.VisitWatermarks;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Visit events from Kafka. Offsets live in Flink's checkpoints, which is what makes the input
 * replayable; offsets committed to Kafka are only for monitoring lag and for the first start.
 */
public final class KafkaVisitSource implements VisitSource {

    private final JobSettings config;
    private final boolean stopAtLatest;

    public KafkaVisitSource(JobSettings config) {
        this(config, false);
    }

    private KafkaVisitSource(JobSettings config, boolean stopAtLatest) {
        this.config = config;
        this.stopAtLatest = stopAtLatest;
    }

    /**
     * The same source, but finished at the offsets that were the latest when the job started: the
     * watermark then jumps to the end and the last windows fire. For timing a fixed input.
     */
    public KafkaVisitSource stoppingAtLatest() {
        return new KafkaVisitSource(config, true);
    }

    @Override
    public DataStream<DecodedRecord> open(StreamExecutionEnvironment env) {
        KafkaSourceBuilder<DecodedRecord> builder =
                KafkaSource.<DecodedRecord>builder()
                        .setBootstrapServers(config.bootstrapServers())
                        .setTopics(config.inputTopic())
                        .setGroupId(config.groupId())
                        // TLS and SASL, if the brokers ask for them; read from a file in main().
                        .setProperties(config.kafkaSecurity().addTo(new Properties()))
                        .setStartingOffsets(
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                        // Producers of the input may write in transactions too.
                        .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                        .setDeserializer(
                                new KafkaVisitDeserializer(
                                        new VisitDecoder(
                                                config.serdeConfig(), config.eventTimeBounds())));
        if (stopAtLatest) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(
                        builder.build(),
                        VisitWatermarks.strategy(config.outOfOrderness(), config.idleness()),
                        OperatorIds.SOURCE)
                .uid(OperatorIds.SOURCE);
    }
}
