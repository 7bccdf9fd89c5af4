package io.exactlyonce.model.registry;

/**
 * The registry answered, and it does not know the schema id, the subject, or the schema under that
 * subject. Retrying will not help: a record that names an unknown id is poison, not a hiccup.
 */
public class SchemaNotFoundException extends SchemaRegistryException {

    public SchemaNotFoundException(String message) {
        super(message);
    }
}
