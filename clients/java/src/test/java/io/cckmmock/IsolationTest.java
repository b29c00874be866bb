package io.cckmmock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 35: one test loads a failing script, the others expect a clean server, in the order clean,
 * load, clean on the class's one server, reset before each: nothing a test loads reaches the next.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IsolationTest {
    @RegisterExtension
    static CckmMockExtension mock = new CckmMockExtension();

    static final String FAILING = "{\"scripts\":[{\"family\":\"aws\",\"target\":\"eu-west-1\",\"after\":3,\"outcome\":\"fail\",\"message\":\"throttled\"}],"
            + "\"jobs\":[{\"family\":\"oci\",\"id\":\"44444444-4444-4444-8444-444444444444\",\"createdAt\":\"-1m\",\"overall_status\":\"completed\"}]}";

    /** The clock and the first job's time where the first test began: every test begins there (issue 43). */
    static Object firstBegan;

    static Object startAndEnd(CckmMock server) throws Exception {
        HttpResponse<String> started = CckmMockTest.send(server, "POST", "/api/v1/cckm/aws/synchronization-jobs", "{\"kms\":[\"kms\"],\"regions\":[\"eu-west-1\"]}");
        assertEquals(201, started.statusCode(), started.body());
        Object began = List.of(String.valueOf(server.clock().get("now")), String.valueOf(((Map<?, ?>) Json.parse(started.body())).get("createdAt")));
        if (firstBegan == null) firstBegan = began;
        assertEquals(firstBegan, began, "each test begins at the start-up clock, whatever ran before");
        server.advance(30);
        return server.waitFor((String) ((Map<?, ?>) Json.parse(started.body())).get("id"), "done").get("overall_status");
    }

    static void expectAClean(CckmMock server) throws Exception {
        assertEquals(0.0, server.reset().get("jobs"));
        assertEquals("completed", startAndEnd(server));
    }

    @Test
    @Order(1)
    void expectsACleanServer(CckmMock server) throws Exception { expectAClean(server); }

    @Test
    @Order(2)
    void loadsAFailingScript(CckmMock server) throws Exception {
        server.loadFixtures(FAILING);
        assertEquals("failed", startAndEnd(server));
    }

    @Test
    @Order(3)
    void expectsACleanServerAgain(CckmMock server) throws Exception { expectAClean(server); }

    @Test
    @Order(4)
    void aBaselineIsLoadedOnPurposeAndUndoneByAStartupReset(CckmMock server) {
        assertEquals(true, server.loadBaseline(FAILING).get("baseline"));
        assertEquals(1.0, server.reset().get("jobs"));
        assertEquals(0.0, server.resetTo("startup").get("jobs"));
    }
}
