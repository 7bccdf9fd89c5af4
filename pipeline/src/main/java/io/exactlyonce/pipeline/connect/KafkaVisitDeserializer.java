package io.exactlyonce.pipeline.connect;

import io.exactlyonce.pipeline.operators.DecodedRecord;
import io.exactlyonce.pipeline.operators.VisitDecoder;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes in the source, so watermarks are generated per Kafka partition from real event times.
 * Every record yields exactly one output: a visit or a dead letter.
 */
final class KafkaVisitDeserializer implements KafkaRecordDeserializationSchema<DecodedRecord> {

    private static final long serialVersionUID = 1L;

    private final VisitDecoder decoder;

    KafkaVisitDeserializer(VisitDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        decoder.open();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<DecodedRecord> out) {
        out.collect(decoder.decode(RawRecords.of(record)));
    }

    @Override
    public TypeInformation<DecodedRecord> getProducedType() {
        return TypeInformation.of(DecodedRecord.class);
    }
}
