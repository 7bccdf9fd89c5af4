package io.exactlyonce.model.serde;

import io.exactlyonce.model.registry.SchemaNotFoundException;
import io.exactlyonce.model.registry.SchemaRegistryClient;
import io.exactlyonce.model.registry.SchemaRegistryUnavailableException;
import io.exactlyonce.model.registry.UnusableSchemaException;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
 * Kafka deserializer reading {@link ConfluentWireFormat} records into one generated Avro class.
 * Each record is decoded with the schema it was written with (fetched by the id in its header)
 * resolved against the class's schema, so a consumer reads records from both older and newer
 * producers as long as the schemas are compatible.
 *
 * <p>Two kinds of failure, for two different reactions:
 *
 * <ul>
 *   <li>{@link RecordDecodingException}, with a {@link DecodingFailure} reason: these bytes will
 *       never decode. Dead-letter the record and carry on. This includes a writer schema id the
 *       registry has but not as a usable Avro schema, and lengths or item counts the bytes cannot
 *       hold, which are refused before Avro allocates by them (see {@link AvroLengthGuard}).
 *   <li>{@link SchemaRegistryUnavailableException}: the registry could not be asked. The record may
 *       be perfectly valid; retry or fail the job, never dead-letter it.
 * </ul>
 *
 * <p>An id the registry answers "not found" for is looked up again a few times ({@link
 * UnknownSchemaIdRetries}) before the record counts as {@link DecodingFailure#UNKNOWN_SCHEMA_ID}: a
 * registry replica may lag behind the leader a new schema was just registered on. An id that stayed
 * unknown through all its retries is looked up only once per record afterwards, so a stream of
 * records naming one bad id does not wait on every record.
 *
 * <p>Thread-safe once configured.
 *
 * @param <T> the generated record class
 */
public final class ConfluentAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    /**
     * Bounds the memory a stream of distinct bogus ids can take; forgetting one only costs a wait.
     */
    private static final int MAX_REMEMBERED_UNKNOWN_IDS = 10_000;

    private final Schema readerSchema;
    private final ConcurrentMap<Integer, WriterSchemaReader<T>> readersByWriterId =
            new ConcurrentHashMap<>();
    private final Set<Integer> idsUnknownAfterRetries = ConcurrentHashMap.newKeySet();
    private SchemaRegistryClient registry;
    private UnknownSchemaIdRetries unknownIdRetries = UnknownSchemaIdRetries.DEFAULT;

    /**
     * How records of one writer schema id are read: with a reader, or not at all for the
     * (permanent) failure given.
     */
    private record WriterSchemaReader<T>(
            Schema writerSchema,
            DatumReader<T> reader,
            DecodingFailure failure,
            String failureDetail) {}

    /**
     * A deserializer to be configured with {@link #configure}, which creates an HTTP registry
     * client from {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL}.
     */
    public ConfluentAvroDeserializer(Class<T> recordClass) {
        this.readerSchema =
                SpecificData.getForClass(Objects.requireNonNull(recordClass, "recordClass"))
                        .getSchema(recordClass);
    }

    /** A ready-to-use deserializer on a given (possibly shared or in-memory) registry client. */
    public ConfluentAvroDeserializer(Class<T> recordClass, SchemaRegistryClient registry) {
        this(recordClass);
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = AvroSerdeConfig.fromMap(configs);
        unknownIdRetries = config.unknownSchemaIdRetries();
        if (registry == null) {
            registry = config.newRegistryClient();
        }
    }

    /**
     * @throws RecordDecodingException if the bytes cannot be decoded into {@code T}
     * @throws SchemaRegistryUnavailableException if the writer's schema could not be fetched
     */
    @Override
    public T deserialize(String topic, byte[] payload) {
        int schemaId = ConfluentWireFormat.readSchemaId(payload);
        WriterSchemaReader<T> writer = readerFor(schemaId);
        // Before Avro reads: it allocates by the lengths in the bytes before it checks that they
        // are there.
        AvroLengthGuard.check(
                writer.writerSchema(),
                payload,
                ConfluentWireFormat.HEADER_LENGTH,
                ", written with schema id " + schemaId + atTopic(topic));
        DatumReader<T> reader = writer.reader();
        BinaryDecoder decoder =
                DecoderFactory.get()
                        .binaryDecoder(
                                payload,
                                ConfluentWireFormat.HEADER_LENGTH,
                                payload.length - ConfluentWireFormat.HEADER_LENGTH,
                                null);
        T record;
        boolean bytesLeftOver;
        try {
            record = reader.read(null, decoder);
            bytesLeftOver = !decoder.isEnd();
        } catch (EOFException e) {
            throw new RecordDecodingException(
                    DecodingFailure.TRUNCATED,
                    "payload ends inside the record, written with schema id "
                            + schemaId
                            + atTopic(topic),
                    e);
        } catch (IOException | RuntimeException e) {
            // Corrupt bytes surface as anything from AvroRuntimeException to
            // ArrayIndexOutOfBoundsException.
            throw new RecordDecodingException(
                    DecodingFailure.MALFORMED_AVRO,
                    "Avro body does not decode with schema id "
                            + schemaId
                            + atTopic(topic)
                            + ": "
                            + e,
                    e);
        }
        // Avro stops reading once the record is complete, so without this check bytes that merely
        // start
        // with a valid record would pass.
        if (bytesLeftOver) {
            throw new RecordDecodingException(
                    DecodingFailure.MALFORMED_AVRO,
                    "bytes left over after the record, written with schema id "
                            + schemaId
                            + atTopic(topic));
        }
        return record;
    }

    private WriterSchemaReader<T> readerFor(int schemaId) {
        WriterSchemaReader<T> cached = readersByWriterId.get(schemaId);
        if (cached == null) {
            // Fetched outside computeIfAbsent: a blocking HTTP call must not hold a map bin lock.
            WriterSchemaReader<T> fetched = fetch(schemaId);
            cached = readersByWriterId.computeIfAbsent(schemaId, id -> fetched);
        }
        if (cached.failure() != null) {
            throw new RecordDecodingException(cached.failure(), cached.failureDetail());
        }
        return cached;
    }

    /** The reader for one id; a failure is returned (to be cached) only when it is permanent. */
    private WriterSchemaReader<T> fetch(int schemaId) {
        Schema writerSchema;
        try {
            writerSchema = writerSchema(schemaId);
        } catch (UnusableSchemaException e) {
            return new WriterSchemaReader<>(
                    null, null, DecodingFailure.UNUSABLE_SCHEMA, e.getMessage());
        }
        try {
            return resolve(schemaId, writerSchema);
        } catch (RuntimeException e) {
            // Avro refusing a parsed schema it cannot resolve against the reader says nothing about
            // the next id.
            return new WriterSchemaReader<>(
                    null,
                    null,
                    DecodingFailure.UNUSABLE_SCHEMA,
                    "writer schema id "
                            + schemaId
                            + " cannot be resolved against "
                            + readerSchema.getFullName()
                            + ": "
                            + e);
        }
    }

    private Schema writerSchema(int schemaId) {
        if (registry == null) {
            throw new IllegalStateException(
                    "Deserializer not configured: call configure() or pass a registry client");
        }
        // An id that already stayed unknown through its retries gets one lookup, not another round
        // of waits.
        int retries = idsUnknownAfterRetries.contains(schemaId) ? 0 : unknownIdRetries.retries();
        for (int retry = 0; ; retry++) {
            try {
                Schema schema = registry.schemaById(schemaId);
                idsUnknownAfterRetries.remove(schemaId);
                return schema;
            } catch (SchemaNotFoundException e) {
                if (retry == retries) {
                    rememberUnknown(schemaId);
                    throw new RecordDecodingException(
                            DecodingFailure.UNKNOWN_SCHEMA_ID,
                            e.getMessage()
                                    + (retries == 0
                                            ? ""
                                            : " (looked up " + (retries + 1) + " times)"),
                            e);
                }
                waitBeforeRetry(schemaId, retry + 1);
            }
            // SchemaRegistryUnavailableException propagates: an outage says nothing about the
            // record.
        }
    }

    private void rememberUnknown(int schemaId) {
        if (idsUnknownAfterRetries.size() >= MAX_REMEMBERED_UNKNOWN_IDS) {
            idsUnknownAfterRetries.clear();
        }
        idsUnknownAfterRetries.add(schemaId);
    }

    private void waitBeforeRetry(int schemaId, int retry) {
        try {
            Thread.sleep(unknownIdRetries.backoffBefore(retry).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException(
                    "Interrupted while waiting to look up schema id " + schemaId + " again", e);
        }
    }

    private WriterSchemaReader<T> resolve(int schemaId, Schema writerSchema) {
        String selfContaining = recordContainingItself(writerSchema);
        if (selfContaining != null) {
            // Avro recurses without end building a reader for it (StackOverflowError), whatever the
            // bytes.
            return new WriterSchemaReader<>(
                    writerSchema,
                    null,
                    DecodingFailure.UNUSABLE_SCHEMA,
                    "writer schema id "
                            + schemaId
                            + " has a record "
                            + selfContaining
                            + " that contains"
                            + " itself through record fields alone (no union, array or map between), so no"
                            + " finite value of it exists and Avro cannot read the schema");
        }
        // Checked up front, once per writer schema: Avro would otherwise fail mid-record with an
        // AvroTypeException indistinguishable from corrupt bytes.
        SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            String incompatibilities =
                    compatibility.getResult().getIncompatibilities().stream()
                            .map(i -> i.getType() + " " + i.getMessage() + " at " + i.getLocation())
                            .collect(Collectors.joining("; "));
            return new WriterSchemaReader<>(
                    writerSchema,
                    null,
                    DecodingFailure.INCOMPATIBLE_SCHEMA,
                    "writer schema id "
                            + schemaId
                            + " cannot be read as "
                            + readerSchema.getFullName()
                            + ": "
                            + incompatibilities);
        }
        return new WriterSchemaReader<>(
                writerSchema, new SpecificDatumReader<>(writerSchema, readerSchema), null, null);
    }

    /**
     * The name of a record that holds itself through record-typed fields alone, or null if none
     * does.
     */
    private static String recordContainingItself(Schema root) {
        Set<Schema> records = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Schema> toVisit = new ArrayDeque<>(List.of(root));
        while (!toVisit.isEmpty()) {
            Schema schema = toVisit.pop();
            switch (schema.getType()) {
                case RECORD -> {
                    if (records.add(schema)) {
                        schema.getFields().forEach(field -> toVisit.push(field.schema()));
                    }
                }
                case UNION -> toVisit.addAll(schema.getTypes());
                case ARRAY -> toVisit.push(schema.getElementType());
                case MAP -> toVisit.push(schema.getValueType());
                default -> {}
            }
        }
        Set<Schema> done = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Schema record : records) {
            String found =
                    containsItself(
                            record, Collections.newSetFromMap(new IdentityHashMap<>()), done);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /**
     * Depth-first along fields whose type is a record: a record met again on the path closes a
     * cycle.
     */
    private static String containsItself(Schema record, Set<Schema> onPath, Set<Schema> done) {
        if (onPath.contains(record)) {
            return record.getFullName();
        }
        if (!done.add(record)) {
            return null;
        }
        onPath.add(record);
        for (Schema.Field field : record.getFields()) {
            if (field.schema().getType() == Schema.Type.RECORD) {
                String found = containsItself(field.schema(), onPath, done);
                if (found != null) {
                    return found;
                }
            }
        }
        onPath.remove(record);
        return null;
    }

    private static String atTopic(String topic) {
        return topic == null ? "" : " (topic '" + topic + "')";
    }
}
