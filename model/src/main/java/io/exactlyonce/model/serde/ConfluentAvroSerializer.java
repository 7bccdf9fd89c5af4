package io.exactlyonce.model.serde;

import io.exactlyonce.model.registry.SchemaNotFoundException;
import io.exactlyonce.model.registry.SchemaRegistryClient;
import io.exactlyonce.model.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing Avro specific records in {@link ConfluentWireFormat}, so any
 * Confluent-compatible consumer can read them. The schema is registered (or, with {@value
 * AvroSerdeConfig#AUTO_REGISTER_SCHEMAS}=false, looked up) under the subject {@code <topic>-value},
 * or {@code <topic>-key} for keys: Confluent's default TopicNameStrategy.
 *
 * <p>Registry failures are thrown as they are: {@link SchemaRegistryException} and its subclasses,
 * so a caller can tell a registry outage from a record that cannot be encoded ({@link
 * SerializationException}). Thread-safe once configured.
 *
 * @param <T> the generated record class
 */
public final class ConfluentAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private static final int INITIAL_BUFFER_SIZE = 128;

    private final ConcurrentMap<String, WriterSchema<T>> writerSchemasByTopic =
            new ConcurrentHashMap<>();
    private SchemaRegistryClient registry;
    private boolean autoRegisterSchemas = AvroSerdeConfig.DEFAULT_AUTO_REGISTER_SCHEMAS;
    private String subjectSuffix = "-value";

    /** The schema's registry id and its writer, resolved once per topic. */
    private record WriterSchema<T>(Schema schema, int id, DatumWriter<T> writer) {}

    /**
     * For Kafka, which instantiates serializers from the client config and then calls {@link
     * #configure}; that creates an HTTP registry client from {@value
     * AvroSerdeConfig#SCHEMA_REGISTRY_URL}.
     */
    public ConfluentAvroSerializer() {}

    /**
     * A ready-to-use serializer on a given (possibly shared or in-memory) registry client.
     *
     * @param configs read as by {@link #configure}; {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL} is
     *     not needed
     */
    public ConfluentAvroSerializer(
            SchemaRegistryClient registry, Map<String, ?> configs, boolean isKey) {
        this.registry = Objects.requireNonNull(registry, "registry");
        configure(configs, isKey);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = AvroSerdeConfig.fromMap(configs);
        if (registry == null) {
            registry = config.newRegistryClient();
        }
        autoRegisterSchemas = config.autoRegisterSchemas();
        subjectSuffix = isKey ? "-key" : "-value";
        writerSchemasByTopic.clear();
    }

    /** Returns null for a null record, as Kafka serializers do (a tombstone). */
    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        WriterSchema<T> writerSchema = writerSchemaFor(topic, record.getSchema());
        // A fresh stream per call keeps the serializer thread-safe; records here are a few hundred
        // bytes.
        ByteArrayOutputStream out = new ByteArrayOutputStream(INITIAL_BUFFER_SIZE);
        ConfluentWireFormat.writeHeader(out, writerSchema.id());
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writerSchema.writer().write(record, encoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Could not encode a "
                            + writerSchema.schema().getFullName()
                            + " for topic '"
                            + topic
                            + "': "
                            + e.getMessage(),
                    e);
        }
        return out.toByteArray();
    }

    private WriterSchema<T> writerSchemaFor(String topic, Schema schema) {
        WriterSchema<T> cached = writerSchemasByTopic.get(topic);
        // Identity, not equals: a generated class hands out its one static SCHEMA$, so this is one
        // comparison per record instead of a deep schema comparison.
        if (cached != null && cached.schema() == schema) {
            return cached;
        }
        WriterSchema<T> resolved =
                new WriterSchema<>(
                        schema,
                        schemaId(topic + subjectSuffix, schema),
                        new SpecificDatumWriter<>(schema));
        writerSchemasByTopic.put(topic, resolved);
        return resolved;
    }

    private int schemaId(String subject, Schema schema) {
        if (registry == null) {
            throw new IllegalStateException(
                    "Serializer not configured: call configure() or pass a registry client");
        }
        if (autoRegisterSchemas) {
            return registry.register(subject, schema);
        }
        try {
            return registry.idOf(subject, schema);
        } catch (SchemaNotFoundException e) {
            throw new SerializationException(
                    "Schema "
                            + schema.getFullName()
                            + " is not registered under subject '"
                            + subject
                            + "' and "
                            + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS
                            + "=false: register it before producing, or enable auto-registration",
                    e);
        }
    }
}
