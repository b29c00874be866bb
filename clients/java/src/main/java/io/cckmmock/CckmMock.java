package io.cckmmock;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A cckm-mock process on a free port (manual clock, throwaway store, HTTPS), or a running one
 * attached to through {@code CCKM_MOCK_URL}, and every control-API call a test needs. Use it
 * through {@link CckmMockExtension}, or start and {@link #close()} it yourself.
 */
public final class CckmMock implements AutoCloseable {
    public static final String BINARY_VARIABLE = "CCKM_MOCK_BIN";
    public static final String URL_VARIABLE = "CCKM_MOCK_URL";
    public static final String ADMIN_TOKEN_VARIABLE = "CCKM_MOCK_ADMIN_TOKEN";

    private final String url;
    private final Process process;
    private final String certificatePem;
    private final SSLContext sslContext;
    private final HttpClient client;
    private final String adminToken;
    /** JWTs kept per domain until half their life (--token-ttl) is over, and until the next reset. */
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    /** The kit's clock for token renewal; the kit's tests move it instead of waiting. */
    java.time.Clock clock = java.time.Clock.systemUTC();

    private record Token(String jwt, java.time.Instant renewAt) { }

    /** How to start the server. */
    public static final class Options {
        String binary;
        final List<String> args = new ArrayList<>();
        boolean tls = true;
        String clock = "manual";
        Long seed;
        String url = System.getenv(URL_VARIABLE);
        String adminToken = System.getenv(ADMIN_TOKEN_VARIABLE);

        public Options binary(String path) { binary = path; return this; }

        /** More flags for {@code cckm-mock serve}, as they are. */
        public Options args(String... more) { args.addAll(List.of(more)); return this; }

        public Options fixtures(String... fixtures) {
            for (String fixture : fixtures) args.addAll(List.of("--fixtures", fixture));
            return this;
        }

        public Options tls(boolean on) { tls = on; return this; }

        public Options clock(String name) { clock = name; return this; }

        public Options seed(long value) { seed = value; return this; }

        /** Attaches to this server instead of starting one. */
        public Options url(String base) { url = base; return this; }

        public Options adminToken(String token) { adminToken = token; return this; }
    }

    public static Options options() { return new Options(); }

    public static CckmMock start() { return start(options()); }

    public static CckmMock start(Options options) {
        try {
            return new CckmMock(options);
        } catch (IOException error) {
            throw new IllegalStateException("cckm-mock did not start: " + error.getMessage(), error);
        } catch (InterruptedException error) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting cckm-mock", error);
        }
    }

    private CckmMock(Options options) throws IOException, InterruptedException {
        adminToken = options.adminToken == null || options.adminToken.isEmpty() ? null : options.adminToken;
        if (options.url != null && !options.url.isEmpty()) {
            url = options.url.replaceAll("/+$", "");
            process = null;
        } else {
            List<String> command = new ArrayList<>(List.of(findBinary(options.binary), "serve", "--port", "0", "--data", ":memory:",
                    "--clock", options.clock, "--tls", options.tls ? "on" : "off", "--log-level", "warning"));
            if (options.seed != null) command.addAll(List.of("--seed", options.seed.toString()));
            if (adminToken != null) command.addAll(List.of("--admin-token", adminToken));
            command.addAll(options.args);
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = stdout.readLine();
            if (line == null || !line.startsWith("listening on ")) {
                process.destroyForcibly();
                throw new IOException("first line " + line + " (exit " + process.waitFor() + ")");
            }
            url = line.substring("listening on ".length()).trim();
            Thread drain = new Thread(() -> stdout.lines().forEach(ignored -> { }), "cckm-mock stdout");
            drain.setDaemon(true);
            drain.start();
        }
        try {
            if (url.startsWith("https://")) {
                certificatePem = fetchCertificate(url);
                sslContext = trusting(certificatePem);
            } else {
                certificatePem = null;
                sslContext = SSLContext.getDefault();
            }
        } catch (Exception error) {
            close();
            throw new IOException("fetching the server's certificate: " + error, error);
        }
        client = httpClient();
        call("GET", "/__admin/health", null);
    }

    /** The line that makes {@link #findBinary(String)} succeed, in its error. */
    public static final String FIX = "export CCKM_MOCK_BIN=/path/to/cckm-mock/.build/release/cckm-mock (after swift build -c release in that clone)";

    /**
     * The executable: {@code binary}, else {@code $CCKM_MOCK_BIN}, else the nearest clone's build
     * ({@code .build/release/cckm-mock}, then {@code .build/debug/cckm-mock}) in the working
     * directory or the first folder above it that has one, then above where this class was loaded
     * from (the clone the kit is in), else {@code cckm-mock} on PATH. The error lists every place
     * looked at and {@link #FIX}.
     */
    static String findBinary(String binary) throws IOException {
        List<File> starts = new ArrayList<>();
        starts.add(new File(System.getProperty("user.dir")).getAbsoluteFile());
        try {
            starts.add(new File(CckmMock.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getAbsoluteFile());
        } catch (Exception unknown) {
            // No code source (a custom class loader): the working directory is all there is to go on.
        }
        return findBinary(binary, System.getenv(), starts);
    }

    /** {@link #findBinary(String)} with the environment and the folders to search above given. */
    static String findBinary(String binary, Map<String, String> environment, List<File> starts) throws IOException {
        List<String> lookedAt = new ArrayList<>();
        if (binary != null) {
            if (new File(binary).canExecute()) return binary;
            lookedAt.add(binary + " (not an executable file)");
        }
        String variable = environment.get(BINARY_VARIABLE);
        if (variable != null && !variable.isEmpty()) {
            if (new File(variable).canExecute()) return variable;
            lookedAt.add("$" + BINARY_VARIABLE + "=" + variable + " (not an executable file)");
        } else {
            lookedAt.add("$" + BINARY_VARIABLE + " (not set)");
        }
        for (File start : starts) {
            for (File folder = start; folder != null; folder = folder.getParentFile()) {
                for (String build : List.of("release", "debug")) {
                    File candidate = new File(folder, ".build/" + build + "/cckm-mock");
                    if (candidate.isFile() && candidate.canExecute()) return candidate.getPath();
                }
            }
            lookedAt.add(".build/release/cckm-mock and .build/debug/cckm-mock in " + start + " and every folder above it (none)");
        }
        for (String folder : environment.getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (folder.isEmpty()) continue;
            File candidate = new File(folder, "cckm-mock");
            if (candidate.canExecute()) return candidate.getPath();
        }
        lookedAt.add("cckm-mock on PATH (none)");
        throw new IOException("cckm-mock not found; looked at: " + String.join("; ", lookedAt) + ". Fix: " + FIX);
    }

    /** The one call that does not verify the certificate: it fetches what is then trusted. */
    private static String fetchCertificate(String base) throws Exception {
        SSLContext any = SSLContext.getInstance("TLS");
        any.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String type) { }
            public void checkServerTrusted(X509Certificate[] chain, String type) { }
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, new SecureRandom());
        HttpClient bootstrap = HttpClient.newBuilder().sslContext(any).connectTimeout(Duration.ofSeconds(10)).build();
        return bootstrap.send(HttpRequest.newBuilder(URI.create(base + "/__admin/tls/cert.pem")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static SSLContext trusting(String pem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("cckm-mock", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), new SecureRandom());
        return context;
    }

    /** The server's base URL, such as {@code https://127.0.0.1:40123}. */
    public String url() { return url; }

    /** The certificate the server presents, PEM (null over plain HTTP). */
    public String certificatePem() { return certificatePem; }

    /** An SSLContext that trusts the mock's certificate, for clients you build. */
    public SSLContext sslContext() { return sslContext; }

    /** A client that verifies the mock's certificate: hand it to the code under test. */
    public HttpClient httpClient() {
        return HttpClient.newBuilder().sslContext(sslContext).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Whether this object runs the process (false when attached through a URL). */
    public boolean startedHere() { return process != null; }

    /** Stops a process this object started: SIGTERM, then a kill after 10 s. */
    @Override
    public void close() {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException error) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    // ---------------------------------------------------------------- calls

    /** One call; the parsed JSON answer (null for 204); other statuses throw {@link MockException}. */
    Object call(String method, String path, String body) { return call(method, path, body, null); }

    /** {@link #call(String, String, String)} with a CM bearer token, for the API's own paths. */
    @SuppressWarnings("unchecked")
    Object call(String method, String path, String body, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) request.header("Content-Type", "application/json");
        if (adminToken != null && path.startsWith("/__admin")) request.header("Authorization", "Bearer " + adminToken);
        if (bearer != null) request.header("Authorization", "Bearer " + bearer);
        HttpResponse<String> answer;
        try {
            answer = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException error) {
            throw new IllegalStateException(method + " " + path + ": " + error, error);
        } catch (InterruptedException error) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", error);
        }
        String text = answer.body();
        if (answer.statusCode() >= 300) {
            Map<String, Object> envelope = Map.of();
            try {
                Object parsed = Json.parse(text);
                if (parsed instanceof Map) envelope = (Map<String, Object>) parsed;
            } catch (IllegalArgumentException notJson) {
                // the body is kept as text in the message
            }
            throw new MockException(method, path, answer.statusCode(), envelope, text);
        }
        return text.isEmpty() ? null : Json.parse(text);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> object(String method, String path, Object body) {
        Object answer = call(method, path, body == null ? null : body instanceof String ? (String) body : Json.write(body));
        return answer instanceof Map ? (Map<String, Object>) answer : Map.of();
    }

    private static String encode(String value) { return URLEncoder.encode(value, StandardCharsets.UTF_8); }

    // ---------------------------------------------------------------- verbs

    /**
     * A bearer token (JWT) for the domain ("root" for the root domain), kept until half its life is
     * over; the root domain's outlives a reset, which keeps the server's signing key and the root domain.
     */
    public String token(String domain) {
        Token kept = tokens.get(domain);
        if (kept != null && clock.instant().isBefore(kept.renewAt())) return kept.jwt();
        Map<String, Object> answer = object("POST", "/__admin/tokens", Map.of("domain", domain));
        double seconds = answer.get("duration") instanceof Number ? ((Number) answer.get("duration")).doubleValue() : 0;
        Token fresh = new Token((String) answer.get("jwt"), clock.instant().plusMillis((long) (seconds * 500)));
        tokens.put(domain, fresh);
        return fresh.jwt();
    }

    /** The store back to its baseline (the start-up fixtures unless {@link #loadBaseline} set another); faults and the journal cleared. */
    public Map<String, Object> reset() { return resetTo("fixtures"); }

    /** Merges a fixture (a JSON text, or maps and lists) into the store for this test: the next reset takes it away. */
    public Map<String, Object> loadFixtures(Object fixture) { return object("POST", "/__admin/fixtures?mode=merge", fixture); }

    /**
     * Makes a fixture the whole state and what every later reset returns to, for a class that wants
     * another start than the server's ({@code resetTo("startup")} undoes it).
     */
    public Map<String, Object> loadBaseline(Object fixture) { return object("POST", "/__admin/fixtures?mode=replace&baseline=true", fixture); }

    /** Back to "fixtures" (the baseline), "startup" (the start-up fixtures, the baseline again) or "empty". */
    public Map<String, Object> resetTo(String to) {
        // A reset may remove a domain a fixture added; the root's token stays good.
        tokens.keySet().removeIf(domain -> !domain.equals("root"));
        return object("POST", "/__admin/reset?to=" + encode(to), null);
    }

    public Map<String, Object> clock() { return object("GET", "/__admin/clock", null); }

    /** Moves the manual clock forward, ending what falls due on the way. */
    public Map<String, Object> advance(double seconds) { return object("POST", "/__admin/clock/advance", Map.of("seconds", seconds)); }

    /** Runs every job in progress to its end. */
    public Map<String, Object> settle() { return object("POST", "/__admin/jobs/settle", null); }

    public Map<String, Object> job(String id) { return object("GET", "/__admin/jobs/" + encode(id), null); }

    /** The job once it reaches {@code status} ("done": any final status), within 10 s. */
    public Map<String, Object> waitFor(String id, String status) { return waitFor(id, status, Duration.ofSeconds(10)); }

    public Map<String, Object> waitFor(String id, String status, Duration timeout) {
        return object("GET", "/__admin/jobs/" + encode(id) + "/wait?status=" + encode(status) + "&timeout=" + timeout.toMillis() + "ms", null);
    }

    /** Ends the job's running targets (or one, when {@code target} is not null) well, now. */
    public Map<String, Object> complete(String id, String target) { return end(id, "complete", target); }

    /** Ends the job's running targets (or one) with the family's failure, now. */
    public Map<String, Object> fail(String id, String target) { return end(id, "fail", target); }

    private Map<String, Object> end(String id, String verb, String target) {
        return object("POST", "/__admin/jobs/" + encode(id) + "/" + verb, target == null ? Map.of() : Map.of("target", target));
    }

    /** A fault rule such as {"path": "/api/v1/cckm/aws/*", "status": 503}; close it to remove it. */
    public Fault fault(Map<String, Object> rule) { return new Fault(this, (String) object("POST", "/__admin/faults", rule).get("id")); }

    /** An injected fault; {@code close()} removes it (try-with-resources). */
    public static final class Fault implements AutoCloseable {
        private final CckmMock server;
        private final String id;

        Fault(CckmMock server, String id) {
            this.server = server;
            this.id = id;
        }

        public String id() { return id; }

        @SuppressWarnings("unchecked")
        public int hits() {
            for (Object item : (List<Object>) server.object("GET", "/__admin/faults", null).get("faults")) {
                Map<String, Object> rule = (Map<String, Object>) item;
                if (id.equals(rule.get("id"))) return ((Number) rule.get("hits")).intValue();
            }
            return 0;
        }

        @Override
        public void close() { server.call("DELETE", "/__admin/faults/" + encode(id), null); }
    }

    /**
     * Adds a stub in WireMock's mapping format ("request", "response", "priority", ...) for any
     * endpoint, modelled or not; {@code close()} removes it (try-with-resources). A reset drops it too.
     */
    public Stub stub(Map<String, Object> mapping) { return new Stub(this, object("POST", "/__admin/mappings", mapping)); }

    /** Every stub, newest first, as WireMock lists them. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> stubs() { return (List<Map<String, Object>>) object("GET", "/__admin/mappings", null).get("mappings"); }

    /** A stub on the server; {@code close()} removes it, one already gone (a reset) is fine. */
    public static final class Stub implements AutoCloseable {
        private final CckmMock server;
        private final Map<String, Object> mapping;

        Stub(CckmMock server, Map<String, Object> mapping) {
            this.server = server;
            this.mapping = mapping;
        }

        public String id() { return (String) mapping.get("id"); }

        public Map<String, Object> mapping() { return mapping; }

        @Override
        public void close() {
            try {
                server.call("DELETE", "/__admin/mappings/" + encode(id()), null);
            } catch (MockException gone) {
                if (gone.status() != 404) throw gone;
            }
        }
    }

    /** The journaled requests the matcher describes, oldest first. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> requests(Matcher matcher) {
        List<Map<String, Object>> found = new ArrayList<>();
        for (Object item : (List<Object>) object("POST", "/__admin/requests/find", matcher.json()).get("requests")) {
            found.add((Map<String, Object>) item);
        }
        return found;
    }

    /**
     * Throws an {@link AssertionError} unless exactly {@code count} requests match (a negative
     * count: at least one), listing the closest requests that did not and why; returns the matches.
     */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> verify(int count, Matcher matcher) {
        List<Map<String, Object>> found = requests(matcher);
        if (count >= 0 ? found.size() == count : !found.isEmpty()) return found;
        StringBuilder report = new StringBuilder();
        for (Object item : (List<Object>) object("POST", "/__admin/requests/near-misses", matcher.json()).get("nearMisses")) {
            Map<String, Object> miss = (Map<String, Object>) item;
            Map<String, Object> request = (Map<String, Object>) miss.get("request");
            report.append("\n  ").append(request.get("method")).append(' ').append(request.get("path")).append(':');
            for (Object difference : (List<Object>) miss.get("differences")) report.append("\n    ").append(difference);
        }
        throw new AssertionError("expected " + (count >= 0 ? String.valueOf(count) : "at least 1") + " request(s) matching " + matcher
                + ", found " + found.size() + "; closest:" + (report.length() == 0 ? " none" : report));
    }

    /** A fixture read from a file, for {@link #loadFixtures(Object)}. */
    // ---------------------------------------------------------------- the fake cloud and CM's inventory

    /**
     * Puts a key into the fake AWS cloud: {@code key} holds "region" (required), and optionally
     * "alias", "account_id" and "parameters" (aws_param members over the defaults). CM's inventory
     * shows it after a sync of its region; the answer's "KeyId" is AWS's id.
     */
    public Map<String, Object> addCloudKey(Map<String, Object> key) { return addCloudRecord("aws/keys", key); }

    /** Changes a cloud key's "alias" or "parameters"; the next sync brings the change. */
    public Map<String, Object> changeCloudKey(String keyId, Map<String, Object> change) {
        return changeCloudRecord("aws/keys", keyId, change);
    }

    /** Takes a key out of the cloud; the next sync of its region marks CM's record gone. */
    public void removeCloudKey(String keyId) { removeCloudRecord("aws/keys", keyId); }

    /**
     * The AWS keys syncs brought into the domain ({@code /api/v1/cckm/aws/keys}), every page;
     * filters as CM's ("alias", "keyid", "region", "kms", "gone" → "true", ...).
     */
    public List<Map<String, Object>> keys(String domain, Map<String, String> filters) { return records("aws/keys", domain, filters); }

    /**
     * Puts a record into the fake cloud's {@code collection} ("aws/keys", "azure/keys",
     * "azure/secrets", "azure/certificates", "google/keys", "oci/keys"): {@code record} names its
     * container ("vault", "key_ring"; "region" for AWS), its "name" ("alias" for AWS) and
     * "parameters". An Azure name the vault has gets a new version. The answer's "id" is its cloud
     * id ("KeyId" for AWS).
     */
    public Map<String, Object> addCloudRecord(String collection, Map<String, Object> record) {
        return object("POST", "/__admin/cloud/" + collection, record);
    }

    /** Changes a cloud record's "parameters" (and an AWS key's "alias"). */
    public Map<String, Object> changeCloudRecord(String collection, String id, Map<String, Object> change) {
        return object("PATCH", "/__admin/cloud/" + collection + "/" + encode(id), change);
    }

    /** Takes a record out of the cloud (an Azure key with every version). */
    public void removeCloudRecord(String collection, String id) { call("DELETE", "/__admin/cloud/" + collection + "/" + encode(id), null); }

    /**
     * What syncs brought into the domain's {@code collection} ({@code /api/v1/cckm/<collection>}),
     * every page; filters as CM's ("key_name", "version" "-1", "vault_name", ...).
     */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> records(String collection, String domain, Map<String, String> filters) {
        var query = new StringBuilder("?limit=-1");
        filters.forEach((name, value) -> query.append('&').append(encode(name)).append('=').append(encode(value)));
        Object answer = call("GET", "/api/v1/cckm/" + collection + query, null, token(domain));
        Object resources = answer instanceof Map ? ((Map<String, Object>) answer).get("resources") : null;
        return resources instanceof List ? (List<Map<String, Object>>) resources : List.of();
    }

    public static String fixtureFile(Path path) throws IOException { return Files.readString(path); }

    static Map<String, Object> map(Object... pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) out.put((String) pairs[i], pairs[i + 1]);
        return out;
    }
}
