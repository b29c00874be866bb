import io.cckmmock.CckmMock;
import io.cckmmock.Matcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;

/**
 * What one client test pays with the Java kit, as scripts/bench measures each kit: reset, token,
 * start, advance, wait, verify, TESTS times against one server; the per-test median and p99.
 * Run by scripts/bench: java KitBench TESTS (CCKM_MOCK_BIN names the binary).
 */
public final class KitBench {
    public static void main(String[] arguments) throws Exception {
        int tests = Integer.parseInt(arguments[0]);
        try (CckmMock mock = CckmMock.start()) {
            HttpClient client = mock.httpClient();
            double[] millis = new double[tests];
            for (int i = -50; i < tests; i++) { // the first 50 warm the JIT and are not counted
                long began = System.nanoTime();
                mock.reset();
                HttpRequest start = HttpRequest.newBuilder(URI.create(mock.url() + "/api/v1/cckm/aws/synchronization-jobs"))
                        .header("Authorization", "Bearer " + mock.token("root")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"kms\":[\"kms\"]}")).build();
                String body = client.send(start, HttpResponse.BodyHandlers.ofString()).body();
                String id = (String) ((Map<?, ?>) io.cckmmock.Json.parse(body)).get("id");
                mock.advance(30);
                if (!"completed".equals(mock.waitFor(id, "done").get("overall_status"))) throw new AssertionError("not completed");
                mock.verify(1, Matcher.requests().method("POST").body("{\"kms\":[\"kms\"]}"));
                if (i >= 0) millis[i] = (System.nanoTime() - began) / 1e6;
            }
            Arrays.sort(millis);
            System.out.printf("  cckm-mock with the Java kit, HTTPS verified: median %.2f ms, p99 %.2f ms%n",
                    millis[tests / 2], millis[Math.min(tests - 1, tests * 99 / 100)]);
        }
    }
}
