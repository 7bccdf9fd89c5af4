package io.exactlyonce.bench;

import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.connect.RawRecords;
import io.exactlyonce.pipeline.operators.DecodedRecord;
import io.exactlyonce.pipeline.operators.Visit;
import io.exactlyonce.pipeline.operators.VisitDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The ceiling: plain consumers, one per unit of parallelism, that read every input record and
 * decode it with the job's decoder, and do nothing else. No system that reads and decodes this
 * input can be faster on this machine.
 */
final class DecodingConsumer {

    private DecodingConsumer() {}

    static SystemRun.Decoded run(RunSpec spec) throws Exception {
        JobSettings config = spec.jobSettings();
        ExecutorService threads = Executors.newFixedThreadPool(spec.parallelism());
        try {
            List<Future<SystemRun.Decoded>> parts = new ArrayList<>();
            for (int i = 0; i < spec.parallelism(); i++) {
                List<TopicPartition> mine = new ArrayList<>();
                for (int p = i; p < spec.partitions(); p += spec.parallelism()) {
                    mine.add(new TopicPartition(spec.inputTopic(), p));
                }
                parts.add(threads.submit(() -> consume(spec, config, mine)));
            }
            long visits = 0;
            long checksum = 0;
            for (Future<SystemRun.Decoded> part : parts) {
                visits += part.get().visits();
                checksum += part.get().checksum();
            }
            return new SystemRun.Decoded(visits, checksum);
        } finally {
            threads.shutdownNow();
        }
    }

    /** Decoded visits of the real users and their checksum; the flush visits are left out. */
    private static SystemRun.Decoded consume(
            RunSpec spec, JobSettings config, List<TopicPartition> partitions) {
        VisitDecoder decoder = new VisitDecoder(config.serdeConfig(), config.eventTimeBounds());
        decoder.open();
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, spec.bootstrapServers());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        long visits = 0;
        long checksum = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    SystemRun.firstRecordRead();
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    DecodedRecord decoded = decoder.decode(RawRecords.of(record));
                    if (!decoded.isVisit()) {
                        throw new IllegalStateException(
                                "input record at "
                                        + record.partition()
                                        + "/"
                                        + record.offset()
                                        + " did not decode: "
                                        + decoded);
                    }
                    Visit visit = decoded.visit();
                    if (Oracle.user(visit.userId()) >= 0) {
                        visits++;
                        checksum += Oracle.checksumOf(visit.userId(), visit.eventTime());
                    }
                }
            }
        }
        return new SystemRun.Decoded(visits, checksum);
    }
}
