package io.exactlyonce.model.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * A registry replica that has not caught up yet: the first {@code lookupsBeforeCaughtUp} lookups of
 * each id answer "not found", as a lagging follower does for a schema just registered on the
 * leader; later lookups reach the delegate.
 */
public final class LaggingReplicaRegistry implements SchemaRegistryClient {

    private final SchemaRegistryClient delegate;
    private final int lookupsBeforeCaughtUp;
    private final Map<Integer, AtomicInteger> lookupsById = new ConcurrentHashMap<>();

    public LaggingReplicaRegistry(SchemaRegistryClient delegate, int lookupsBeforeCaughtUp) {
        this.delegate = delegate;
        this.lookupsBeforeCaughtUp = lookupsBeforeCaughtUp;
    }

    @Override
    public int register(String subject, Schema schema) {
        return delegate.register(subject, schema);
    }

    @Override
    public int idOf(String subject, Schema schema) {
        return delegate.idOf(subject, schema);
    }

    @Override
    public Schema schemaById(int id) {
        int lookup = lookupsById.computeIfAbsent(id, i -> new AtomicInteger()).incrementAndGet();
        if (lookup <= lookupsBeforeCaughtUp) {
            throw new SchemaNotFoundException(
                    "No schema with id " + id + " (replica lagging, lookup " + lookup + ")");
        }
        return delegate.schemaById(id);
    }

    /** How many times the id was looked up, answered or not. */
    public int lookups(int id) {
        AtomicInteger lookups = lookupsById.get(id);
        return lookups == null ? 0 : lookups.get();
    }
}
