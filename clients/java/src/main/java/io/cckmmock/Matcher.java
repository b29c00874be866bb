package io.cckmmock;

import java.util.LinkedHashMap;
import java.util.Map;

/** Which journaled requests a test means, as {@code POST /__admin/requests/count} reads it. */
public final class Matcher {
    private final Map<String, Object> document = new LinkedHashMap<>();

    public static Matcher requests() { return new Matcher(); }

    public Matcher method(String method) { return put("method", method); }

    /** A glob: {@code *} matches any run of characters. */
    public Matcher path(String glob) { return put("path", glob); }

    public Matcher query(String name, String value) { return member("query", name, value); }

    public Matcher header(String name, String value) { return member("headers", name, value); }

    /** The body as JSON (a Map, a List or a JSON text), extra members allowed. */
    public Matcher body(Object json) {
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("equalToJson", json instanceof String ? Json.parse((String) json) : json);
        rule.put("ignoreExtraMembers", true);
        return put("body", rule);
    }

    public Matcher bodyContains(String part) { return put("body", Map.of("contains", part)); }

    public Matcher status(int status) { return put("status", status); }

    public Matcher domain(String domain) { return put("domain", domain); }

    String json() { return Json.write(document); }

    @Override
    public String toString() { return json(); }

    private Matcher put(String key, Object value) {
        document.put(key, value);
        return this;
    }

    @SuppressWarnings("unchecked")
    private Matcher member(String key, String name, String value) {
        ((Map<String, Object>) document.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>())).put(name, value);
        return this;
    }
}
