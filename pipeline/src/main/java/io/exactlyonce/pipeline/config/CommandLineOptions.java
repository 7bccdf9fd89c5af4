package io.exactlyonce.pipeline.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.description.Formatter;
import org.apache.flink.configuration.description.TextElement;

/**
 * A command line of {@code --key value} options, each a Flink {@link ConfigOption}: parses
 * arguments (over an optional properties file) into typed {@link OptionValues}, refusing unknown
 * keys, missing required options and values of the wrong type, each in one line, and prints the
 * usage text from the same list.
 */
public final class CommandLineOptions {

    private final String usageHeader;
    private final List<ConfigOption<?>> options;
    private final Map<String, ConfigOption<?>> byKey;
    private final Set<ConfigOption<?>> required;
    private final ConfigOption<String> configFile;

    /**
     * @param required options without a default that must be given
     * @param configFile names a properties file whose values the arguments override; null for a
     *     command line without one
     */
    public CommandLineOptions(
            String usageHeader,
            List<ConfigOption<?>> options,
            Set<ConfigOption<?>> required,
            ConfigOption<String> configFile) {
        this.usageHeader = usageHeader;
        this.options = List.copyOf(options);
        this.byKey =
                this.options.stream()
                        .collect(Collectors.toMap(ConfigOption::key, Function.identity()));
        this.required = Set.copyOf(required);
        this.configFile = configFile;
    }

    /** Asked for the usage text: {@code --help} or {@code -h} alone. */
    public static boolean asksForHelp(String[] args) {
        return args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"));
    }

    /** Parses and checks {@code --key value} arguments. */
    public OptionValues parse(String[] args) {
        return parse(read(args));
    }

    /**
     * The arguments as text, over the values of the config file when one is named; the config
     * file's own key is consumed here.
     */
    public Map<String, String> read(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new InvalidJobConfigException(
                        "unexpected argument '" + arg + "'; --help lists every option");
            }
            String key = arg.substring(2);
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                throw new InvalidJobConfigException("--" + key + " needs a value");
            }
            given.put(key, args[++i]);
        }
        if (configFile == null || !given.containsKey(configFile.key())) {
            return given;
        }
        String file = given.remove(configFile.key()).trim();
        Map<String, String> merged = new LinkedHashMap<>();
        if (!file.isEmpty()) {
            merged.putAll(readProperties(Path.of(file)));
        }
        merged.putAll(given);
        return merged;
    }

    /**
     * Typed values from text, e.g. a properties file. A blank value of an option without a default
     * counts as not given.
     */
    public OptionValues parse(Map<String, String> given) {
        OptionValues values = OptionValues.of();
        for (Map.Entry<String, String> entry : given.entrySet()) {
            ConfigOption<?> option = byKey.get(entry.getKey());
            if (option == null) {
                throw unknown(entry.getKey());
            }
            String text = entry.getValue() == null ? "" : entry.getValue().trim();
            if (text.isEmpty() && !option.hasDefaultValue()) {
                continue;
            }
            values = withParsed(values, option, text);
        }
        requireComplete(values);
        return values;
    }

    /** Refuses options not on this command line and missing required ones. */
    public void requireComplete(OptionValues values) {
        for (ConfigOption<?> option : values.options()) {
            if (!options.contains(option)) {
                throw unknown(option.key());
            }
        }
        for (ConfigOption<?> option : options) {
            if (required.contains(option)
                    && (!values.contains(option) || values.get(option).toString().isBlank())) {
                throw new InvalidJobConfigException(
                        "missing required option --"
                                + option.key()
                                + " ("
                                + description(option)
                                + "); --help lists every option");
            }
        }
    }

    private static <T> OptionValues withParsed(
            OptionValues values, ConfigOption<T> option, String text) {
        Configuration configuration = new Configuration();
        configuration.setString(option.key(), text);
        T value;
        try {
            value = configuration.get(option);
        } catch (IllegalArgumentException e) {
            throw new InvalidJobConfigException(
                    "--" + option.key() + ": '" + text + "' is not " + expected(option, e));
        }
        return values.with(option, value);
    }

    /** What the option takes, for the one-line refusal of a value it cannot parse. */
    private static String expected(ConfigOption<?> option, IllegalArgumentException e) {
        Object example = option.hasDefaultValue() ? option.defaultValue() : null;
        if (example instanceof Duration) {
            return "a duration (e.g. 5 s, 500 ms, 2 min)";
        }
        if (example instanceof Integer || example instanceof Long) {
            return "a whole number";
        }
        if (example instanceof Double) {
            return "a number";
        }
        if (example instanceof Boolean) {
            return "true or false";
        }
        if (example instanceof Enum<?> constant) {
            return "one of "
                    + Arrays.stream(constant.getDeclaringClass().getEnumConstants())
                            .map(Object::toString)
                            .collect(Collectors.joining(", "));
        }
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return cause instanceof NumberFormatException
                ? "a whole number"
                : "valid (" + cause.getMessage() + ")";
    }

    private static InvalidJobConfigException unknown(String key) {
        return new InvalidJobConfigException(
                "unknown option '" + key + "'; --help lists every option");
    }

    public String usage() {
        int width = options.stream().mapToInt(o -> o.key().length()).max().orElse(0) + 2;
        StringBuilder text = new StringBuilder(usageHeader).append('\n');
        for (ConfigOption<?> option : options) {
            String suffix =
                    required.contains(option)
                            ? " (required)"
                            : option.hasDefaultValue()
                                    ? " [" + OptionValues.text(option, option.defaultValue()) + "]"
                                    : "";
            text.append(
                    String.format(
                            "  --%-" + width + "s %s%s%n",
                            option.key(),
                            description(option),
                            suffix));
        }
        return text.toString();
    }

    static String description(ConfigOption<?> option) {
        return new PlainText().format(option.description());
    }

    private static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new InvalidJobConfigException(
                    "cannot read config file " + file + " (" + e + ")", e);
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(k -> values.put(k, properties.getProperty(k)));
        return values;
    }

    /** A description as plain text, for a terminal. */
    private static final class PlainText extends Formatter {

        @Override
        protected void formatLink(StringBuilder state, String link, String description) {
            state.append(description).append(" (").append(link).append(')');
        }

        @Override
        protected void formatLineBreak(StringBuilder state) {
            state.append(' ');
        }

        @Override
        protected void formatText(
                StringBuilder state,
                String format,
                String[] elements,
                EnumSet<TextElement.TextStyle> styles) {
            state.append(String.format(format, (Object[]) elements));
        }

        @Override
        protected void formatList(StringBuilder state, String[] entries) {
            state.append(String.join("; ", entries));
        }

        @Override
        protected Formatter newInstance() {
            return new PlainText();
        }
    }
}
