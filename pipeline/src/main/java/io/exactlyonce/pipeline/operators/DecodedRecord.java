package io.exactlyonce.pipeline.operators;

/**
 * What the source emits for every input record: a visit or a dead letter, never nothing, so every
 * input record is accounted for downstream. Exactly one component is set. Flink's type extraction
 * takes a record as a POJO, so it travels without Kryo.
 *
 * @param visit the decoded visit, or null for a dead letter
 * @param deadLetter why the input record cannot be counted, or null for a visit
 */
public record DecodedRecord(Visit visit, DeadLetter deadLetter) {

    public DecodedRecord {
        if ((visit == null) == (deadLetter == null)) {
            throw new IllegalArgumentException(
                    "A decoded record holds exactly one of a visit and a dead letter, not "
                            + (visit == null ? "neither" : "both"));
        }
    }

    public static DecodedRecord visit(Visit visit) {
        return new DecodedRecord(visit, null);
    }

    public static DecodedRecord deadLetter(DeadLetter deadLetter) {
        return new DecodedRecord(null, deadLetter);
    }

    public boolean isVisit() {
        return visit != null;
    }

    @Override
    public String toString() {
        return isVisit() ? visit.toString() : deadLetter.toString();
    }
}
