package io.exactlyonce.model.registry;

import org.apache.avro.Schema;

/**
 * The three schema registry operations the serde needs, with Confluent's semantics: a schema has
 * one global id, and a subject (by default {@code <topic>-value}) is the list of schemas registered
 * under it. Implementations are thread-safe.
 */
public interface SchemaRegistryClient {

    /**
     * Registers {@code schema} under {@code subject} and returns its id. Idempotent: registering
     * the same schema again returns the same id.
     *
     * @throws SchemaRegistryException if the registry rejects the schema (e.g. as incompatible)
     * @throws SchemaRegistryUnavailableException if the registry cannot be reached
     */
    int register(String subject, Schema schema);

    /**
     * Returns the id of {@code schema} if it is registered under {@code subject}, without
     * registering it.
     *
     * @throws SchemaNotFoundException if the subject is unknown or does not hold this schema
     * @throws SchemaRegistryUnavailableException if the registry cannot be reached
     */
    int idOf(String subject, Schema schema);

    /**
     * Returns the schema with the given id.
     *
     * @throws SchemaNotFoundException if no schema has this id
     * @throws SchemaRegistryUnavailableException if the registry cannot be reached
     */
    Schema schemaById(int id);
}
