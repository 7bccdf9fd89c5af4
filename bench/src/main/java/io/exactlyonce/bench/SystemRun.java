package io.exactlyonce.bench;

import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The forked JVM of one run: runs one system over the whole input and writes what it measured. Each
 * run has a JVM of its own, so JIT state, heap and CPU time are that system's alone.
 *
 * <p>Usage: {@code SystemRun <run-spec.properties> <result.properties>}
 */
public final class SystemRun {

    /** When the system read its first input record; its time to process starts there. */
    private static final AtomicLong FIRST_RECORD_NANOS = new AtomicLong();

    private static volatile long cpuAtFirstRecord;

    private SystemRun() {}

    /**
     * Called by every system for each record it reads (or batch it polls); cheap after the first.
     */
    static void firstRecordRead() {
        if (FIRST_RECORD_NANOS.get() == 0) {
            long now = System.nanoTime();
            if (FIRST_RECORD_NANOS.compareAndSet(0, now)) {
                cpuAtFirstRecord = processCpuNanos();
            }
        }
    }

    /** What a system reports besides its output: how many visits it decoded, and their checksum. */
    public record Decoded(long visits, long checksum) {
        static final Decoded NOT_COUNTED = new Decoded(-1, 0);
    }

    /** One system's way of processing the whole input; returns once all of it is processed. */
    interface Runner {
        Decoded run(RunSpec spec) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        RunSpec spec = RunSpec.read(Path.of(args[0]));
        Runner runner =
                switch (spec.system()) {
                    case JOB_EO, JOB_ALO, JOB_KAFKA_EO -> JobRun::run;
                    case KAFKA_STREAMS_EO -> KafkaStreamsPeer::run;
                    case CEILING -> DecodingConsumer::run;
                };
        System.gc();
        resetPeaks();
        LiveHeap.watch();
        long started = System.nanoTime();
        Decoded decoded = runner.run(spec);
        long finished = System.nanoTime();
        long cpu = processCpuNanos() - cpuAtFirstRecord;
        long firstRecord = FIRST_RECORD_NANOS.get();

        Properties result = new Properties();
        // From the first record read until all output is committed: start-up is not throughput.
        result.setProperty("elapsedNanos", Long.toString(finished - firstRecord));
        result.setProperty("startUpNanos", Long.toString(firstRecord - started));
        result.setProperty("cpuNanos", Long.toString(cpu));
        result.setProperty("heapPeakBytes", Long.toString(heapPeak()));
        result.setProperty("liveHeapPeakBytes", Long.toString(LiveHeap.peak()));
        result.setProperty("rssPeakBytes", Long.toString(rssPeak()));
        result.setProperty("decodedVisits", Long.toString(decoded.visits()));
        result.setProperty("checksum", Long.toString(decoded.checksum()));
        try (Writer out = Files.newBufferedWriter(Path.of(args[1]))) {
            result.store(out, null);
        }
        // Flink's, Kafka's and RocksDB's threads are not all daemons.
        System.exit(0);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    /** The sum of the heap pools' peaks since the run started. */
    private static long heapPeak() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    /** The process's peak resident set (Linux VmHWM): heap, RocksDB and direct buffers alike. */
    private static long rssPeak() {
        try {
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
            for (String line : status) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux: the report shows the resident peak as unknown.
        }
        return -1;
    }
}
