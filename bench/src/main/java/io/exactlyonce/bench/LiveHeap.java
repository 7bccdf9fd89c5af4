package io.exactlyonce.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The most heap a run's JVM held right after a garbage collection: what its live objects (state
 * included) needed, where the heap pools' peaks also count garbage not yet collected.
 */
final class LiveHeap {

    private static final AtomicLong PEAK = new AtomicLong();

    private LiveHeap() {}

    /** Notes the heap in use after every collection from now on. */
    static void watch() {
        Set<String> heapPools =
                ManagementFactory.getMemoryPoolMXBeans().stream()
                        .filter(pool -> pool.getType() == MemoryType.HEAP)
                        .map(MemoryPoolMXBean::getName)
                        .collect(Collectors.toSet());
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) collector)
                    .addNotificationListener(
                            (notification, handback) -> {
                                if (!GarbageCollectionNotificationInfo
                                        .GARBAGE_COLLECTION_NOTIFICATION
                                        .equals(notification.getType())) {
                                    return;
                                }
                                GarbageCollectionNotificationInfo info =
                                        GarbageCollectionNotificationInfo.from(
                                                (CompositeData) notification.getUserData());
                                long used =
                                        info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                                                .filter(pool -> heapPools.contains(pool.getKey()))
                                                .mapToLong(pool -> pool.getValue().getUsed())
                                                .sum();
                                PEAK.accumulateAndGet(used, Math::max);
                            },
                            null,
                            null);
        }
    }

    /** The peak so far, 0 before the first collection. */
    static long peak() {
        return PEAK.get();
    }
}
