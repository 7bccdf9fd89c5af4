package io.exactlyonce.audit;

/** A service the audit must read could not be reached or read; the message names which. */
public final class ServiceUnreachableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ServiceUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
