package io.exactlyonce.model.serde;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Walks an Avro body along its writer's schema before Avro reads it, and refuses every length and
 * item count that the bytes cannot hold. Avro's binary decoder trusts them: it allocates a string
 * or byte array of the claimed length before it reads a byte, and loops over a claimed item count
 * even when each item takes no bytes. Avro's own limits ({@code org.apache.avro.limits.*}) are
 * JVM-wide system properties; this check depends on nothing but the record and its schema, so every
 * decoder in a shared JVM gets it and a replay decides the same way.
 *
 * <p>The rules, each checked against the bytes that remain at that point:
 *
 * <ul>
 *   <li>a string, bytes or fixed value must fit in them;
 *   <li>all array and map items of one record together may not outnumber the body's bytes (an item
 *       of a non-empty type takes at least one byte; a writer that sends more zero-byte items than
 *       that is refused);
 *   <li>a block's byte size, when the writer gives one, must equal what its items take, because
 *       Avro skips by it;
 *   <li>union branches and enum symbols must exist;
 *   <li>a record may not contain another of its own schema without a byte read in between: a writer
 *       schema whose record holds itself directly (not through a union, array or map) has no finite
 *       value, and walking (or decoding) one would never end.
 * </ul>
 *
 * <p>A length that runs past the end but fits within the whole payload is reported as {@link
 * DecodingFailure#TRUNCATED} (the payload may have been cut); one larger than the whole payload
 * cannot come from cutting it and is {@link DecodingFailure#MALFORMED_AVRO}. The walk keeps its own
 * stack, so a recursive writer schema with deeply nested data cannot overflow the thread's stack.
 */
final class AvroLengthGuard {

    /** The remaining items of the current block of an array or map. */
    private static final class Block {
        final Schema collection;
        long itemsLeft;
        int end = -1; // where the block ends, if the writer gave its byte size

        Block(Schema collection) {
            this.collection = collection;
        }
    }

    /** Where a record's fields end: its schema is no longer open from here on. */
    private record RecordEnd(Schema record, Integer enclosingOpenedAt) {}

    private static final Schema STRING = Schema.create(Schema.Type.STRING);

    private final byte[] payload;
    private final String context;
    private int position;
    private long itemBudget;

    /** The offset at which the innermost open record of each schema began. */
    private final Map<Schema, Integer> openedAt = new IdentityHashMap<>();

    private AvroLengthGuard(byte[] payload, int offset, String context) {
        this.payload = payload;
        this.position = offset;
        this.itemBudget = payload.length - offset;
        this.context = context;
    }

    /**
     * @param context names the record in failure messages, e.g. the schema id and topic
     * @throws RecordDecodingException if a length, count or index does not fit the bytes
     */
    static void check(Schema writerSchema, byte[] payload, int offset, String context) {
        new AvroLengthGuard(payload, offset, context).walk(writerSchema);
    }

    private void walk(Schema writerSchema) {
        Deque<Object> pending = new ArrayDeque<>();
        pending.push(writerSchema);
        while (!pending.isEmpty()) {
            Object next = pending.pop();
            if (next instanceof Block block) {
                continueBlock(block, pending);
            } else if (next instanceof RecordEnd end) {
                if (end.enclosingOpenedAt() == null) {
                    openedAt.remove(end.record());
                } else {
                    openedAt.put(end.record(), end.enclosingOpenedAt());
                }
            } else {
                Schema schema = (Schema) next;
                switch (schema.getType()) {
                    case NULL -> {}
                    case BOOLEAN -> skip(1, "boolean");
                    case INT, LONG -> readLong(schema.getType().getName());
                    case FLOAT -> skip(4, "float");
                    case DOUBLE -> skip(8, "double");
                    case STRING, BYTES -> skipLength(schema.getType().getName());
                    case FIXED -> skip(schema.getFixedSize(), "fixed " + schema.getFullName());
                    case ENUM ->
                            index(
                                    schema.getEnumSymbols().size(),
                                    "enum " + schema.getFullName() + " symbol");
                    case UNION ->
                            pending.push(
                                    schema.getTypes()
                                            .get(index(schema.getTypes().size(), "union branch")));
                    case RECORD -> {
                        pending.push(new RecordEnd(schema, openRecord(schema)));
                        for (int i = schema.getFields().size() - 1; i >= 0; i--) {
                            pending.push(schema.getFields().get(i).schema());
                        }
                    }
                    case ARRAY, MAP -> {
                        Block block = new Block(schema);
                        startBlock(block);
                        if (block.itemsLeft > 0) { // else that was the terminating empty block
                            pending.push(block);
                        }
                    }
                }
            }
        }
    }

    /**
     * @return where the enclosing record of the same schema began, if one is open
     */
    private Integer openRecord(Schema record) {
        Integer enclosing = openedAt.put(record, position);
        if (enclosing != null && enclosing == position) {
            throw malformed(
                    "record "
                            + record.getFullName()
                            + " at offset "
                            + position
                            + " contains another "
                            + record.getFullName()
                            + " without a byte in between:"
                            + " the writer schema nests it in itself without a union, array or map, so no"
                            + " finite bytes hold it");
        }
        return enclosing;
    }

    private void continueBlock(Block block, Deque<Object> pending) {
        if (block.itemsLeft == 0) {
            if (block.end >= 0 && position != block.end) {
                throw malformed(
                        "an "
                                + block.collection.getType().getName()
                                + " block's byte size says it ends at "
                                + block.end
                                + ", its items end at "
                                + position);
            }
            startBlock(block);
            if (block.itemsLeft == 0) {
                return; // the terminating empty block
            }
        }
        block.itemsLeft--;
        pending.push(block);
        if (block.collection.getType() == Schema.Type.ARRAY) {
            pending.push(block.collection.getElementType());
        } else {
            pending.push(block.collection.getValueType());
            pending.push(STRING); // the key comes first
        }
    }

    private void startBlock(Block block) {
        String kind = block.collection.getType().getName();
        long count = readLong(kind + " block count");
        block.end = -1;
        if (count < 0) {
            // A negative count is followed by the block's size in bytes, which lets a reader skip
            // it.
            if (count == Long.MIN_VALUE) {
                throw malformed(kind + " block count " + count + " is out of range");
            }
            count = -count;
            long size = readLong(kind + " block size");
            if (size < 0 || size > remaining()) {
                throw malformed(
                        kind + " block claims " + size + " bytes, " + remaining() + " remain");
            }
            block.end = position + (int) size;
        }
        if (count > itemBudget) {
            throw malformed(
                    kind
                            + " claims "
                            + count
                            + " items, more than the "
                            + itemBudget
                            + " the remaining bytes allow");
        }
        itemBudget -= count;
        block.itemsLeft = count;
    }

    private void skipLength(String kind) {
        long length = readLong(kind + " length");
        if (length < 0) {
            throw malformed(kind + " length " + length + " is negative");
        }
        skip(length, kind);
    }

    private int index(int size, String kind) {
        long index = readLong(kind);
        if (index < 0 || index >= size) {
            throw malformed(kind + " " + index + " does not exist (there are " + size + ")");
        }
        return (int) index;
    }

    private void skip(long length, String kind) {
        if (length > remaining()) {
            String claim =
                    kind
                            + " of "
                            + length
                            + " bytes at offset "
                            + position
                            + ", "
                            + remaining()
                            + " remain";
            if (length > payload.length) {
                throw malformed(
                        claim + ": more than the whole " + payload.length + "-byte payload");
            }
            throw new RecordDecodingException(
                    DecodingFailure.TRUNCATED, "payload ends inside a " + claim + context);
        }
        position += (int) length;
    }

    /** Avro's variable-length zig-zag long: 7 bits a byte, at most 10 bytes. */
    private long readLong(String kind) {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (position >= payload.length) {
                throw new RecordDecodingException(
                        DecodingFailure.TRUNCATED,
                        "payload ends inside a " + kind + " at offset " + position + context);
            }
            int b = payload[position++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw malformed(kind + " at offset " + position + " is longer than 10 bytes");
    }

    private int remaining() {
        return payload.length - position;
    }

    private RecordDecodingException malformed(String message) {
        return new RecordDecodingException(DecodingFailure.MALFORMED_AVRO, message + context);
    }
}
