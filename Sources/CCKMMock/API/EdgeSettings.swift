import HTTPServer

/// What the edge is told at assembly and never changes: who may call the control API, which
/// hosts it answers for, how it logs, and the CM release it plays.
package struct EdgeSettings: Sendable {
    /// When set, every `/__admin` request must carry `Authorization: Bearer <controlToken>`.
    let controlToken: [UInt8]?
    let accessLog: AccessLog
    /// Which `Host` names are served (DNS rebinding).
    let hosts: HostPolicy
    /// The CM release `GET /api/v1/system/info` names.
    let cmVersion: String

    package init(controlToken: String?, accessLog: AccessLog, hosts: HostPolicy, cmVersion: String) {
        self.controlToken = controlToken.map { Array($0.utf8) }
        self.accessLog = accessLog
        self.hosts = hosts
        self.cmVersion = cmVersion
    }
}
