import CCKMCore
import CCKMEngine
import CCKMStore
import Foundation
import HTTPServer

/// What the dashboard shows before its first poll: the same answers its script asks the control
/// API for, made while the page is served and written into it, so that the first paint is the
/// board (a screenshot at load showed "connecting…"). Only when the control API is open: with
/// `--admin-token` the page, served to anyone, carries no state, and the script asks with the token.
extension CCKMApp {
    func dashboardPage() throws -> HTTPResponse {
        guard edge.controlToken == nil else { return DashboardHandlers.dashboard(firstState: "null") }
        return DashboardHandlers.dashboard(firstState: try control.dashboardFirstState())
    }
}

extension ControlHandlers {
    /// `{"pages","clock","faults","requests","domains","schedules","keys","events"}` for every tenant:
    /// each as its control-API call answers it (`pages` a list of each family's four newest jobs,
    /// `events` those of the last 15 minutes on the mock's clock).
    func dashboardFirstState() throws -> String {
        let pages = try JobFamily.all.map { family in
            try listJobs(
                [QueryItem(name: "family", value: family.name), QueryItem(name: "limit", value: "4")],
                QueryValues([QueryItem(name: "family", value: family.name)]))
        }
        let since = Timestamp(nanoseconds: engine.clock.now().nanoseconds - 15 * 60 * 1_000_000_000)
        let parts: [(String, String)] = [
            ("pages", "[" + pages.map { String(decoding: $0.body, as: UTF8.self) }.joined(separator: ",") + "]"),
            ("clock", clockJSON()),
            ("faults", String(decoding: faultsJSON().body, as: UTF8.self)),
            ("requests", String(decoding: try requests(QueryValues([QueryItem(name: "limit", value: "12")])).body, as: UTF8.self)),
            ("domains", String(decoding: domainsJSON().body, as: UTF8.self)),
            ("schedules", try schedulesJSON()),
            ("keys", String(decoding: try inventoryKeys(QueryValues([QueryItem(name: "limit", value: "8")])).body, as: UTF8.self)),
            (
                "events",
                String(
                    decoding: try events(QueryValues([QueryItem(name: "since", value: since.description), QueryItem(name: "limit", value: "500")]))
                        .body,
                    as: UTF8.self)
            ),
        ]
        // Each part is JSON written by the writer; `</` cannot close the page's script early.
        return ("{" + parts.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").replacingOccurrences(of: "</", with: "<\\/")
    }
}
