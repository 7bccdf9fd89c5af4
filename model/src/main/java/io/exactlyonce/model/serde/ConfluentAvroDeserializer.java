package io.exactlyonce.model.serde;

import io.exactlyonce.model.registry.SchemaNotFoundException;
import io.exactlyonce.model.registry.SchemaRegistryClient;
import io.exactlyonce.model.registry.SchemaRegistryUnavailableException;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer reading {@link ConfluentWireFormat} records into one generated Avro class. Each
 * record is decoded with the schema it was written with (fetched by the id in its header) resolved
 * against the class's schema, so a consumer reads records from both older and newer producers as long
 * as the schemas are compatible.
 *
 * <p>Two kinds of failure, for two different reactions:
 *
 * <ul>
 *   <li>{@link RecordDecodingException}, with a {@link DecodingFailure} reason: these bytes will never
 *       decode. Dead-letter the record and carry on.
 *   <li>{@link SchemaRegistryUnavailableException}: the registry could not be asked. The record may be
 *       perfectly valid; retry or fail the job, never dead-letter it.
 * </ul>
 *
 * Thread-safe once configured.
 *
 * @param <T> the generated record class
 */
public final class ConfluentAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final Schema readerSchema;
    private final ConcurrentMap<Integer, WriterSchemaReader<T>> readersByWriterId = new ConcurrentHashMap<>();
    private SchemaRegistryClient registry;

    /** How records of one writer schema id are read: a reader, or why there is none. */
    private record WriterSchemaReader<T>(DatumReader<T> reader, String incompatibility) {}

    /**
     * A deserializer to be configured with {@link #configure}, which creates an HTTP registry client from
     * {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL}.
     */
    public ConfluentAvroDeserializer(Class<T> recordClass) {
        this.readerSchema = SpecificData.getForClass(Objects.requireNonNull(recordClass, "recordClass"))
                .getSchema(recordClass);
    }

    /** A ready-to-use deserializer on a given (possibly shared or in-memory) registry client. */
    public ConfluentAvroDeserializer(Class<T> recordClass, SchemaRegistryClient registry) {
        this(recordClass);
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry == null) {
            registry = AvroSerdeConfig.fromMap(configs).newRegistryClient();
        }
    }

    /**
     * @throws RecordDecodingException if the bytes cannot be decoded into {@code T}
     * @throws SchemaRegistryUnavailableException if the writer's schema could not be fetched
     */
    @Override
    public T deserialize(String topic, byte[] payload) {
        int schemaId = ConfluentWireFormat.readSchemaId(payload);
        DatumReader<T> reader = readerFor(schemaId);
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(payload, ConfluentWireFormat.HEADER_LENGTH,
                        payload.length - ConfluentWireFormat.HEADER_LENGTH, null);
        T record;
        boolean bytesLeftOver;
        try {
            record = reader.read(null, decoder);
            bytesLeftOver = !decoder.isEnd();
        } catch (EOFException e) {
            throw new RecordDecodingException(DecodingFailure.TRUNCATED,
                    "payload ends inside the record, written with schema id " + schemaId + atTopic(topic), e);
        } catch (IOException | RuntimeException e) {
            // Corrupt bytes surface as anything from AvroRuntimeException to ArrayIndexOutOfBoundsException.
            throw new RecordDecodingException(DecodingFailure.MALFORMED_AVRO,
                    "Avro body does not decode with schema id " + schemaId + atTopic(topic) + ": " + e, e);
        }
        // Avro stops reading once the record is complete, so without this check bytes that merely start
        // with a valid record would pass.
        if (bytesLeftOver) {
            throw new RecordDecodingException(DecodingFailure.MALFORMED_AVRO,
                    "bytes left over after the record, written with schema id " + schemaId + atTopic(topic));
        }
        return record;
    }

    private DatumReader<T> readerFor(int schemaId) {
        WriterSchemaReader<T> cached = readersByWriterId.get(schemaId);
        if (cached == null) {
            // Fetched outside computeIfAbsent: a blocking HTTP call must not hold a map bin lock.
            Schema writerSchema = writerSchema(schemaId);
            cached = readersByWriterId.computeIfAbsent(schemaId, id -> resolve(writerSchema));
        }
        if (cached.incompatibility() != null) {
            throw new RecordDecodingException(DecodingFailure.INCOMPATIBLE_SCHEMA,
                    "writer schema id " + schemaId + " cannot be read as " + readerSchema.getFullName()
                            + ": " + cached.incompatibility());
        }
        return cached.reader();
    }

    private Schema writerSchema(int schemaId) {
        if (registry == null) {
            throw new IllegalStateException("Deserializer not configured: call configure() or pass a registry client");
        }
        try {
            return registry.schemaById(schemaId);
        } catch (SchemaNotFoundException e) {
            throw new RecordDecodingException(DecodingFailure.UNKNOWN_SCHEMA_ID, e.getMessage(), e);
        }
        // SchemaRegistryUnavailableException propagates: an outage says nothing about the record.
    }

    private WriterSchemaReader<T> resolve(Schema writerSchema) {
        // Checked up front, once per writer schema: Avro would otherwise fail mid-record with an
        // AvroTypeException indistinguishable from corrupt bytes.
        SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            String incompatibilities = compatibility.getResult().getIncompatibilities().stream()
                    .map(i -> i.getType() + " " + i.getMessage() + " at " + i.getLocation())
                    .collect(Collectors.joining("; "));
            return new WriterSchemaReader<>(null, incompatibilities);
        }
        return new WriterSchemaReader<>(new SpecificDatumReader<>(writerSchema, readerSchema), null);
    }

    private static String atTopic(String topic) {
        return topic == null ? "" : " (topic '" + topic + "')";
    }
}
