package io.exactlyonce.pipeline.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * Typed values of options, as given (defaults are not filled in). Immutable; {@link #with} returns
 * a copy. This is also the one place that turns values back into the {@code --key value} arguments
 * and properties a command line or a config file reads.
 */
public final class OptionValues {

    private static final OptionValues NONE = new OptionValues(Map.of());

    private final Map<ConfigOption<?>, Object> values;

    private OptionValues(Map<ConfigOption<?>, Object> values) {
        this.values = values;
    }

    public static OptionValues of() {
        return NONE;
    }

    public static <T> OptionValues of(ConfigOption<T> option, T value) {
        return NONE.with(option, value);
    }

    /** A copy with {@code option} set to {@code value}, replacing what it had. */
    public <T> OptionValues with(ConfigOption<T> option, T value) {
        if (value == null) {
            throw new IllegalArgumentException("no value for " + option.key());
        }
        Map<ConfigOption<?>, Object> copy = new LinkedHashMap<>(values);
        copy.put(option, value);
        return new OptionValues(Collections.unmodifiableMap(copy));
    }

    /** A copy with every value of {@code changes} set, replacing what these options had. */
    public OptionValues with(OptionValues changes) {
        Map<ConfigOption<?>, Object> copy = new LinkedHashMap<>(values);
        copy.putAll(changes.values);
        return new OptionValues(Collections.unmodifiableMap(copy));
    }

    /** A copy without {@code option}. */
    public OptionValues without(ConfigOption<?> option) {
        Map<ConfigOption<?>, Object> copy = new LinkedHashMap<>(values);
        copy.remove(option);
        return new OptionValues(Collections.unmodifiableMap(copy));
    }

    /** The given value, else the option's default; null when it has neither. */
    public <T> T get(ConfigOption<T> option) {
        return find(option).orElse(option.hasDefaultValue() ? option.defaultValue() : null);
    }

    /** The given value only. */
    @SuppressWarnings("unchecked")
    public <T> Optional<T> find(ConfigOption<T> option) {
        return Optional.ofNullable((T) values.get(option));
    }

    public boolean contains(ConfigOption<?> option) {
        return values.containsKey(option);
    }

    /** The options that have a value, in the order they were given. */
    public List<ConfigOption<?>> options() {
        return List.copyOf(values.keySet());
    }

    /** The values as a properties file holds them: key to text that parses back to the value. */
    public Map<String, String> toProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        values.forEach((option, value) -> properties.put(option.key(), text(option, value)));
        return properties;
    }

    /** The values as {@code --key value} arguments. */
    public List<String> toArguments() {
        List<String> arguments = new ArrayList<>();
        toProperties()
                .forEach(
                        (key, value) -> {
                            arguments.add("--" + key);
                            arguments.add(value);
                        });
        return arguments;
    }

    /** A value as text in Flink's own notation (durations as {@code 500 ms}, {@code 1 min}). */
    static String text(ConfigOption<?> option, Object value) {
        Configuration configuration = new Configuration();
        set(configuration, option, value);
        return configuration.toMap().get(option.key());
    }

    @SuppressWarnings("unchecked")
    private static <T> void set(Configuration configuration, ConfigOption<T> option, Object value) {
        configuration.set(option, (T) value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof OptionValues that && values.equals(that.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return toProperties().toString();
    }
}
