package io.exactlyonce.pipeline.connect;

import io.exactlyonce.pipeline.operators.DeadLetter;
import io.exactlyonce.pipeline.operators.Visit;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/** Map functions that turn side outputs into side-topic records and count them. */
public final class SideTopicMappers {

    private SideTopicMappers() {}

    /** A late visit, forwarded with the window-closed reason. */
    public static final class LateVisitToRecord extends RichMapFunction<Visit, ForwardedRecord> {

        private static final long serialVersionUID = 1L;

        private final String sourceTopic;
        private final int maxRecordBytes;
        private transient Counter lateVisits;

        /**
         * @param maxRecordBytes the late producer's max.request.size
         */
        public LateVisitToRecord(String sourceTopic, int maxRecordBytes) {
            this.sourceTopic = sourceTopic;
            this.maxRecordBytes = maxRecordBytes;
        }

        @Override
        public void open(OpenContext openContext) {
            lateVisits = getRuntimeContext().getMetricGroup().counter("lateVisits");
        }

        @Override
        public ForwardedRecord map(Visit visit) {
            lateVisits.inc();
            return SideTopicRecords.lateVisit(visit, sourceTopic, maxRecordBytes);
        }
    }

    /** A dead letter, forwarded with its reason. */
    public static final class DeadLetterToRecord
            extends RichMapFunction<DeadLetter, ForwardedRecord> {

        private static final long serialVersionUID = 1L;

        private final int maxRecordBytes;

        /**
         * @param maxRecordBytes the dead-letter producer's max.request.size
         */
        public DeadLetterToRecord(int maxRecordBytes) {
            this.maxRecordBytes = maxRecordBytes;
        }

        @Override
        public ForwardedRecord map(DeadLetter deadLetter) {
            return SideTopicRecords.deadLetter(deadLetter, maxRecordBytes);
        }
    }
}
