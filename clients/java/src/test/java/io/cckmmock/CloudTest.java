package io.cckmmock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fake cloud and CM's inventory: a sync brings keys, a removed key is gone after the next one. */
class CloudTest {
    @RegisterExtension
    static CckmMockExtension mock = new CckmMockExtension();

    @SuppressWarnings("unchecked")
    static String keyId(Map<String, Object> key) { return (String) ((Map<String, Object>) key.get("aws_param")).get("KeyID"); }

    static void sync(CckmMock server) throws Exception {
        assertEquals(201, CckmMockTest.send(server, "POST", "/api/v1/cckm/aws/synchronization-jobs", "{\"kms\":[\"kms\"]}").statusCode());
        server.settle();
    }

    @Test
    void theInventoryFollowsTheCloudAtEachSync() throws Exception {
        CckmMock server = mock.server();
        String kept = (String) server.addCloudKey(Map.of("region", "us-east-1", "alias", "kept")).get("KeyId");
        String removed = (String) server.addCloudKey(Map.of("region", "us-east-1", "alias", "removed")).get("KeyId");
        assertTrue(server.keys("root", Map.of()).isEmpty(), "nothing in CM before a sync");
        sync(server);
        assertEquals(2, server.keys("root", Map.of()).size());
        server.removeCloudKey(removed);
        server.changeCloudKey(kept, Map.of("parameters", Map.of("KeyState", "Disabled")));
        sync(server);
        List<Map<String, Object>> gone = server.keys("root", Map.of("gone", "true"));
        assertEquals(List.of(removed), gone.stream().map(CloudTest::keyId).toList());
        assertEquals(List.of(kept), server.keys("root", Map.of("keystate", "Disabled")).stream().map(CloudTest::keyId).toList());
        assertEquals(404, assertThrows(MockException.class, () -> server.removeCloudKey(removed)).status());
    }

    @Test
    @SuppressWarnings("unchecked")
    void anAzureKeyArrivesOneRecordPerVersion() throws Exception {
        CckmMock server = mock.server();
        String vault = "keyvault-softkeys::12e533dd-b5c2-4e58-a264-0cd812dc5a34";
        server.addCloudRecord("azure/keys", Map.of("vault", vault, "name", "orders"));
        String latest = (String) server.addCloudRecord("azure/keys", Map.of("vault", vault, "name", "orders")).get("id");
        String body = "{\"key_vaults\":[\"" + vault + "\"]}";
        assertEquals(201, CckmMockTest.send(server, "POST", "/api/v1/cckm/azure/synchronization-jobs", body).statusCode());
        server.settle();
        assertEquals(2, server.records("azure/keys", "root", Map.of("key_name", "orders")).size());
        List<Map<String, Object>> newest = server.records("azure/keys", "root", Map.of("version", "-1"));
        assertEquals(1, newest.size());
        var key = (Map<String, Object>) ((Map<String, Object>) newest.get(0).get("azure_param")).get("key");
        assertTrue(((String) key.get("kid")).endsWith("/orders/" + latest), key.toString());
    }
}
