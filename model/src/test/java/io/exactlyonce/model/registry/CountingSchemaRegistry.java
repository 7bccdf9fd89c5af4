package io.exactlyonce.model.registry;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/** Counts the calls reaching a delegate registry, to prove what the serde caches. */
public final class CountingSchemaRegistry implements SchemaRegistryClient {

    private final SchemaRegistryClient delegate;
    private final AtomicInteger registerCalls = new AtomicInteger();
    private final AtomicInteger idOfCalls = new AtomicInteger();
    private final AtomicInteger schemaByIdCalls = new AtomicInteger();

    public CountingSchemaRegistry(SchemaRegistryClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public int register(String subject, Schema schema) {
        registerCalls.incrementAndGet();
        return delegate.register(subject, schema);
    }

    @Override
    public int idOf(String subject, Schema schema) {
        idOfCalls.incrementAndGet();
        return delegate.idOf(subject, schema);
    }

    @Override
    public Schema schemaById(int id) {
        schemaByIdCalls.incrementAndGet();
        return delegate.schemaById(id);
    }

    public int registerCalls() {
        return registerCalls.get();
    }

    public int idOfCalls() {
        return idOfCalls.get();
    }

    public int schemaByIdCalls() {
        return schemaByIdCalls.get();
    }
}
