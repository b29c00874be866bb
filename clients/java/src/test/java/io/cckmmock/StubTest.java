package io.cckmmock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stubs in WireMock's format for an endpoint the mock does not model, until closed. */
class StubTest {
    @RegisterExtension
    static CckmMockExtension mock = new CckmMockExtension();

    @Test
    void aStubAnswersUntilClosed() throws Exception {
        CckmMock server = mock.server();
        var mapping = Map.<String, Object>of(
                "request", Map.of("method", "GET", "urlPath", "/api/v1/vault/keys2"),
                "response", Map.of("status", 200, "jsonBody", Map.of("total", 0)));
        try (CckmMock.Stub stub = server.stub(mapping)) {
            assertEquals(200, CckmMockTest.send(server, "GET", "/api/v1/vault/keys2", null).statusCode());
            assertEquals(List.of(stub.id()), server.stubs().stream().map(m -> m.get("id")).toList());
        }
        assertEquals(404, CckmMockTest.send(server, "GET", "/api/v1/vault/keys2", null).statusCode());
    }
}
