package io.exactlyonce.model;

/**
 * The longest user id the pipeline accepts, and how it is measured. The output table's {@code
 * user_id} column is declared with this length, and the decoder dead-letters longer ids: a row the
 * table refused would fail every transaction that carries it, on every replay.
 */
public final class UserIds {

    /** In characters as utf8mb4 counts them: Unicode code points. */
    public static final int MAX_LENGTH = 128;

    private UserIds() {}

    /**
     * The length as a {@code VARCHAR(n) CHARACTER SET utf8mb4} column counts it: a character
     * outside the Basic Multilingual Plane (an emoji) is one, although Java stores it in two chars.
     */
    public static int length(String userId) {
        return userId.codePointCount(0, userId.length());
    }

    public static boolean fits(String userId) {
        return length(userId) <= MAX_LENGTH;
    }
}
