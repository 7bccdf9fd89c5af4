package io.exactlyonce.pipeline.config;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The Kafka client security settings of every client of the job (the source, the three sinks'
 * producers and the start guard's admin client): {@code security.protocol}, {@code sasl.*} and
 * {@code ssl.*}, read from a client properties file named by {@code --kafka.security-file}. Nothing
 * else may be in that file, and none of these keys may be given anywhere else: a JAAS line with a
 * password on the command line would show up in process lists and Flink's UI.
 *
 * <p>{@link #toString()} names the keys only, never a value.
 */
public final class KafkaSecurity implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final KafkaSecurity NONE = new KafkaSecurity(Map.of());

    private static final String SECURITY_PROTOCOL = "security.protocol";

    private final Map<String, String> settings;

    private KafkaSecurity(Map<String, String> settings) {
        this.settings = Collections.unmodifiableMap(new TreeMap<>(settings));
    }

    /** Whether {@code key} is a client security setting, which only the security file may hold. */
    public static boolean isSecurityKey(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return lower.equals(SECURITY_PROTOCOL)
                || lower.startsWith("sasl.")
                || lower.startsWith("ssl.");
    }

    /** Reads and checks the client properties file; every refusal names the file and the key. */
    public static KafkaSecurity read(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new InvalidJobConfigException(
                    "--" + JobOptions.KAFKA_SECURITY_FILE.key() + ": no file " + file);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidJobConfigException(
                    "--"
                            + JobOptions.KAFKA_SECURITY_FILE.key()
                            + ": cannot read "
                            + file
                            + " as a properties file ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
        Map<String, String> settings = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (!isSecurityKey(key)) {
                throw new InvalidJobConfigException(
                        "--"
                                + JobOptions.KAFKA_SECURITY_FILE.key()
                                + ": '"
                                + key
                                + "' in "
                                + file
                                + " is not a client security setting;"
                                + " the file holds security.protocol, sasl.* and ssl.* only");
            }
            settings.put(key, properties.getProperty(key).strip());
        }
        return of(settings, file.toString());
    }

    /** Checked settings from a map, e.g. in tests; {@code source} names it in refusals. */
    public static KafkaSecurity of(Map<String, String> settings, String source) {
        String protocol = settings.get(SECURITY_PROTOCOL);
        if (protocol == null) {
            if (!settings.isEmpty()) {
                throw new InvalidJobConfigException(
                        source
                                + " sets "
                                + settings.keySet()
                                + " but no security.protocol; without it the clients talk PLAINTEXT"
                                + " and ignore them");
            }
            return NONE;
        }
        SecurityProtocol parsed;
        try {
            parsed = SecurityProtocol.forName(protocol);
        } catch (IllegalArgumentException e) {
            throw new InvalidJobConfigException(
                    source
                            + ": security.protocol '"
                            + protocol
                            + "' is none of "
                            + SecurityProtocol.names());
        }
        boolean sasl =
                parsed == SecurityProtocol.SASL_SSL || parsed == SecurityProtocol.SASL_PLAINTEXT;
        if (sasl && !settings.containsKey("sasl.jaas.config")) {
            throw new InvalidJobConfigException(
                    source
                            + ": security.protocol "
                            + parsed
                            + " needs sasl.jaas.config (the login module with the user and password)");
        }
        return new KafkaSecurity(settings);
    }

    /** The settings, to add to a Kafka client's properties. */
    public Map<String, String> settings() {
        return settings;
    }

    public boolean isEmpty() {
        return settings.isEmpty();
    }

    /** Adds the settings to {@code properties} and returns them. */
    public Properties addTo(Properties properties) {
        properties.putAll(settings);
        return properties;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KafkaSecurity that && settings.equals(that.settings);
    }

    @Override
    public int hashCode() {
        return settings.hashCode();
    }

    /** The keys only: values may be passwords. */
    @Override
    public String toString() {
        return "KafkaSecurity" + settings.keySet();
    }
}
