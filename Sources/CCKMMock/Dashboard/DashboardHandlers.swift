import CCKMCore
import Foundation
import HTTPServer

/// The pages the control API serves that hold no secret: the dashboard, the spec, the certificate.
package final class DashboardHandlers: Sendable {
    /// The certificate chain the server presents (PEM), served at `/__admin/tls/cert.pem`; nil over plain HTTP.
    let certificatePEM: String?

    package init(certificatePEM: String?) {
        self.certificatePEM = certificatePEM
    }

    func certificate() throws -> HTTPResponse {
        guard let certificatePEM else { throw APIError.notFound("The mock serves plain HTTP (--tls off): there is no certificate") }
        return HTTPResponse(
            status: 200, headers: HTTPHeaders([("Content-Type", "application/x-pem-file"), ("Cache-Control", "no-store")]),
            body: Array(certificatePEM.utf8))
    }

    static func openAPI() -> HTTPResponse {
        HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/yaml")]), body: openAPIBytes)
    }

    /// The page with `firstState` (JSON, or `null`) written where its script reads it. No page of
    /// another origin may frame it: its buttons change state, and a click in a frame would be the
    /// mock's own origin's (clickjacking).
    static func dashboard(firstState: String) -> HTTPResponse {
        HTTPResponse(
            status: 200,
            headers: HTTPHeaders([
                ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"), ("X-Frame-Options", "DENY"),
                ("Content-Security-Policy", "frame-ancestors 'none'"),
            ]),
            body: dashboardBytes.before + Array(firstState.utf8) + dashboardBytes.after)
    }

    /// The spec and the dashboard as bytes, made once rather than on each request.
    static let openAPIBytes = Array(OpenAPIDocument.text.utf8)
    static let dashboardBytes: (before: [UInt8], after: [UInt8]) = {
        let parts = DashboardPage.html.components(separatedBy: DashboardPage.firstStateMarker)
        return (Array(parts[0].utf8), Array(parts[1].utf8))
    }()

}
