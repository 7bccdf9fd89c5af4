package io.exactlyonce.testkit.embedded;

import io.exactlyonce.pipeline.config.OptionValues;
import java.util.Map;

/**
 * The services a run of the job needs, and how to prepare a fresh namespace in them. The addresses
 * are the ones this JVM uses to produce traffic and read back results; {@link #jobFacing()} gives
 * the ones the job's tasks use, which differ when the job runs elsewhere.
 */
public interface Infrastructure extends ServiceAddresses {

    /**
     * The addresses as the job reaches them: this JVM's for an in-JVM MiniCluster, network aliases
     * for a cluster in containers.
     */
    default ServiceAddresses jobFacing() {
        return this;
    }

    /**
     * Options the job needs to reach these services beyond their addresses, e.g. its {@code
     * kafka.security-file}; none by default.
     */
    default OptionValues jobOptions() {
        return OptionValues.of();
    }

    String jdbcUser();

    String jdbcPassword();

    /** Creates a topic with these topic-level settings (e.g. max.message.bytes). */
    void createTopic(String name, int partitions, Map<String, String> topicConfig) throws Exception;

    /** Creates the database and the {@code visit_counts} and commit marker tables in it. */
    void createDatabase(String database) throws Exception;
}
