package io.exactlyonce.model.registry;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * An in-memory stand-in for a schema registry, for tests and the embedded local run (usually served
 * over HTTP by {@link SchemaRegistryHttpServer}). It mirrors Confluent's id allocation: ids start
 * at 1, and the same schema text gets the same id under any subject. It performs no compatibility
 * checks.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {

    // Keyed by Schema#toString(), the full JSON, rather than by the Parsing Canonical Form: the
    // canonical
    // form drops defaults and docs, and a schema that only adds a default is a different schema.
    private final Map<String, Integer> idsBySchemaText = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Set<Integer>> idsBySubject = new HashMap<>();
    private int nextId = 1;

    @Override
    public synchronized int register(String subject, Schema schema) {
        Objects.requireNonNull(subject, "subject");
        String text = schema.toString();
        Integer id = idsBySchemaText.get(text);
        if (id == null) {
            id = nextId++;
            idsBySchemaText.put(text, id);
            // Store a parsed copy, as a real registry would hand back: Avro schemas are mutable
            // (addProp).
            schemasById.put(id, new Schema.Parser().parse(text));
        }
        idsBySubject.computeIfAbsent(subject, s -> new LinkedHashSet<>()).add(id);
        return id;
    }

    @Override
    public synchronized int idOf(String subject, Schema schema) {
        Objects.requireNonNull(subject, "subject");
        Integer id = idsBySchemaText.get(schema.toString());
        if (id == null || !idsBySubject.getOrDefault(subject, Set.of()).contains(id)) {
            throw new SchemaNotFoundException(
                    "Schema "
                            + schema.getFullName()
                            + " is not registered under subject '"
                            + subject
                            + "'");
        }
        return id;
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaNotFoundException("No schema with id " + id);
        }
        return schema;
    }
}
