import CCKMCore
import HTTPServer
import ServiceLifecycle

/// `demo`'s own client, doing what a team's code does against CM, so that the dashboard's request
/// log shows a client's traffic from the first moment: every 5 seconds it lists one family's
/// newest jobs (a client polling) and reads the newest of them by id, family after family. It
/// takes its token from the control API as any test would (none needed with login off).
struct DemoClientService: Service {
    /// The server as this machine reaches it (`MockServer.localURL`).
    let url: String
    var every: Duration = .seconds(5)

    func run() async throws {
        guard let endpoint = HTTPClient.Endpoint(url: url) else {
            try? await gracefulShutdown()
            return
        }
        // The server's own certificate, whatever it is: this client talks to no one else.
        let client = HTTPClient(endpoint: endpoint, timeout: 5, trust: .any)
        var headers: [(String, String)] = []
        var turn = 0
        while !Task.isCancelled {
            if headers.isEmpty, let answer = try? client.send("POST", "/__admin/tokens"), answer.status == 200,
                let token = (try? JSONParser.parse(answer.body))?["jwt"]?.stringValue
            {
                headers = [("Authorization", "Bearer " + token)]
            }
            let family = JobFamily.all[turn % JobFamily.all.count]
            let path = "/api/v1/cckm/" + family.basePath
            if let list = try? client.send("GET", path + "?limit=5", headers: headers),
                let newest = (try? JSONParser.parse(list.body))?["resources"]?.arrayValue?.first?["id"]?.stringValue
            {
                _ = try? client.send("GET", path + "/" + newest, headers: headers)
            }
            turn += 1
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            } catch {
                return
            }
        }
    }
}
