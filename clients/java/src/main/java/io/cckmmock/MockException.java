package io.cckmmock;

import java.util.Map;

/** An answer that was not a success, with CM's error envelope when it had one. */
public class MockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String method;
    private final String path;
    private final int status;
    private final transient Map<String, Object> envelope;

    MockException(String method, String path, int status, Map<String, Object> envelope, String body) {
        super(method + " " + path + ": " + status + " "
                + (envelope.containsKey("codeDesc") ? envelope.get("codeDesc") + ": " + envelope.get("message") : body.trim()));
        this.method = method;
        this.path = path;
        this.status = status;
        this.envelope = envelope;
    }

    public String method() { return method; }

    public String path() { return path; }

    public int status() { return status; }

    /** CM's {@code code}, or -1 when the answer was not its envelope. */
    public int code() { return envelope.get("code") instanceof Number ? ((Number) envelope.get("code")).intValue() : -1; }

    public String codeDesc() { return (String) envelope.get("codeDesc"); }

    public String message() { return (String) envelope.get("message"); }

    public String requestId() { return (String) envelope.get("requestID"); }
}
