package io.exactlyonce.pipeline.operators;

/**
 * What the source emits for every input record: a visit or a dead letter, never nothing, so every
 * input record is accounted for downstream. A Flink POJO (exactly one field is set).
 */
public class DecodedRecord {

    private Visit visit;
    private DeadLetter deadLetter;

    public DecodedRecord() {}

    public static DecodedRecord visit(Visit visit) {
        DecodedRecord record = new DecodedRecord();
        record.visit = visit;
        return record;
    }

    public static DecodedRecord deadLetter(DeadLetter deadLetter) {
        DecodedRecord record = new DecodedRecord();
        record.deadLetter = deadLetter;
        return record;
    }

    public boolean isVisit() {
        return visit != null;
    }

    public Visit getVisit() {
        return visit;
    }

    public void setVisit(Visit visit) {
        this.visit = visit;
    }

    public DeadLetter getDeadLetter() {
        return deadLetter;
    }

    public void setDeadLetter(DeadLetter deadLetter) {
        this.deadLetter = deadLetter;
    }

    @Override
    public String toString() {
        return isVisit() ? visit.toString() : String.valueOf(deadLetter);
    }
}
