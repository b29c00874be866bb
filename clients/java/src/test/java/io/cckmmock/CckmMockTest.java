package io.cckmmock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The kit against the real binary: start, advance, wait, verify, faults and CM's errors. */
class CckmMockTest {
    @RegisterExtension
    static CckmMockExtension mock = new CckmMockExtension(CckmMock.options().args("--target-duration", "5"));

    static HttpResponse<String> send(CckmMock server, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Authorization", "Bearer " + server.token("root")).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        return server.httpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void startAdvanceWaitVerify() throws Exception {
        CckmMock server = mock.server();
        assertTrue(server.url().startsWith("https://127.0.0.1:") && server.certificatePem().contains("BEGIN CERTIFICATE"));
        HttpResponse<String> started = send(server, "POST", "/api/v1/cckm/aws/synchronization-jobs", "{\"kms\":[\"kms\"]}");
        assertEquals(201, started.statusCode(), started.body());
        String id = (String) ((Map<?, ?>) Json.parse(started.body())).get("id");
        Map<String, Object> located = server.job(id);
        assertEquals("aws", located.get("family"));
        assertEquals(id, ((Map<?, ?>) located.get("job")).get("id"));
        server.advance(30);
        assertEquals("completed", server.waitFor(id, "done").get("overall_status"));
        List<Map<String, Object>> found = server.verify(1, Matcher.requests().method("POST").path("/api/v1/cckm/aws/*").body("{\"kms\":[\"kms\"]}"));
        assertEquals(201.0, found.get(0).get("status"));
    }

    @Test
    void withNothingElseTheKitFindsTheCheckoutsBuild(@TempDir Path checkout) throws Exception {
        Path kit = Files.createDirectories(checkout.resolve("clients/java"));
        IOException none = assertThrows(IOException.class, () -> CckmMock.findBinary(null, Map.of(), List.of(kit.toFile())));
        assertTrue(none.getMessage().contains(".build/release/cckm-mock and .build/debug/cckm-mock in " + kit), none.getMessage());
        Path debug = Files.createDirectories(checkout.resolve(".build/debug")).resolve("cckm-mock");
        Files.writeString(debug, "#!/bin/sh\n");
        assertTrue(debug.toFile().setExecutable(true));
        assertEquals(debug.toString(), CckmMock.findBinary(null, Map.of(), List.of(kit.toFile())));
        Path release = Files.createDirectories(checkout.resolve(".build/release")).resolve("cckm-mock");
        Files.writeString(release, "#!/bin/sh\n");
        assertTrue(release.toFile().setExecutable(true));
        assertEquals(release.toString(), CckmMock.findBinary(null, Map.of(), List.of(kit.toFile())), "release before debug");
    }

    /** Issue 43: the clone's build wins over a cckm-mock on PATH, and the error names the fix. */
    @Test
    void theNearestClonesBuildComesBeforePathAndTheErrorNamesTheFix(@TempDir Path root) throws Exception {
        Path onPath = Files.createDirectories(root.resolve("bin")).resolve("cckm-mock");
        Files.writeString(onPath, "#!/bin/sh\n");
        assertTrue(onPath.toFile().setExecutable(true));
        Path work = Files.createDirectories(root.resolve("clone/tests/deep"));
        Map<String, String> environment = Map.of("PATH", onPath.getParent().toString());
        assertEquals(onPath.toString(), CckmMock.findBinary(null, environment, List.of(work.toFile())), "no clone build: PATH");
        Path release = Files.createDirectories(root.resolve("clone/.build/release")).resolve("cckm-mock");
        Files.writeString(release, "#!/bin/sh\n");
        assertTrue(release.toFile().setExecutable(true));
        assertEquals(release.toString(), CckmMock.findBinary(null, environment, List.of(work.toFile())), "the clone's build first");
        IOException none = assertThrows(IOException.class, () -> CckmMock.findBinary(null, Map.of(), List.of(root.resolve("elsewhere").toFile())));
        assertTrue(none.getMessage().endsWith("Fix: " + CckmMock.FIX), none.getMessage());
    }

    /** Issue 31 #16: a JWT kept for the server's life outlived --token-ttl; the kit's clock is moved instead of waiting. */
    @Test
    void tokensAreRenewedHalfWayThroughTheirLifeAndTheRootsOutlivesAReset() throws Exception {
        CckmMock server = mock.server();
        java.time.Instant start = java.time.Instant.now();
        server.clock = java.time.Clock.fixed(start, java.time.ZoneOffset.UTC);
        try {
            String first = server.token("root");
            assertEquals(first, server.token("root"), "a token not half-way through its life is kept");
            server.clock = java.time.Clock.fixed(start.plusSeconds(151), java.time.ZoneOffset.UTC);
            String renewed = server.token("root");
            assertTrue(!renewed.equals(first), "a token past half its life is renewed");
            assertEquals(200, send(server, "GET", "/api/v1/cckm/aws/synchronization-jobs", null).statusCode());
            server.reset();
            assertEquals(renewed, server.token("root"), "the root domain's token outlives a reset");
            assertEquals(200, send(server, "GET", "/api/v1/cckm/aws/synchronization-jobs", null).statusCode(), "and still logs in");
        } finally {
            server.clock = java.time.Clock.systemUTC();
        }
    }

    @Test
    void eachTestStartsFromTheFixtures(CckmMock server) {
        // The extension resets before each test: no request of another test is in the journal.
        assertEquals(0, server.requests(Matcher.requests()).size());
    }

    @ParameterizedTest
    @CsvSource({
        "GET, 'expected 1 request(s)', 'method: expected GET, got POST'",
        "PUT, 'found 0', 'POST /api/v1/cckm/oci/synchronization-jobs:'",
    })
    void aFailedVerificationShowsTheNearMisses(String method, String first, String second) throws Exception {
        CckmMock server = mock.server();
        send(server, "POST", "/api/v1/cckm/oci/synchronization-jobs", "{\"vaults\":[\"vault-1\"]}");
        AssertionError failure = assertThrows(AssertionError.class, () -> server.verify(1, Matcher.requests().method(method).path("/api/v1/cckm/oci/*")));
        assertTrue(failure.getMessage().contains(first) && failure.getMessage().contains(second), failure.getMessage());
    }

    @Test
    void aFaultEndsWhenItIsClosed() throws Exception {
        CckmMock server = mock.server();
        try (CckmMock.Fault fault = server.fault(Map.of("path", "/api/v1/cckm/aws/*", "status", 503))) {
            assertEquals(503, send(server, "GET", "/api/v1/cckm/aws/synchronization-jobs", null).statusCode());
            assertEquals(1, fault.hits());
        }
        assertEquals(200, send(server, "GET", "/api/v1/cckm/aws/synchronization-jobs", null).statusCode());
    }

    @Test
    void errorsCarryCMsEnvelope() {
        MockException unknown = assertThrows(MockException.class, () -> mock.server().job("00000000-0000-4000-8000-000000000000"));
        assertEquals(404, unknown.status());
        assertEquals("NCERRResourceNotFound: Resource not found", unknown.codeDesc());
        assertTrue(unknown.requestId() != null && unknown.code() == 16);
        MockException far = assertThrows(MockException.class, () -> mock.server().advance(1e12));
        assertEquals(400, far.status());
    }
}
