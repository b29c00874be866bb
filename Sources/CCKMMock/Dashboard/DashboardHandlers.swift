import CCKMCore
import HTTPServer

/// The pages the control API serves that hold no secret: the dashboard, the spec, the certificate.
final class DashboardHandlers: Sendable {
    /// The certificate chain the server presents (PEM), served at `/__admin/tls/cert.pem`; nil over plain HTTP.
    let certificatePEM: String?

    init(certificatePEM: String?) {
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

    static func dashboard() -> HTTPResponse {
        HTTPResponse(
            status: 200, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]),
            body: dashboardBytes)
    }

    /// The spec and the dashboard as bytes, made once rather than on each request.
    static let openAPIBytes = Array(OpenAPIDocument.text.utf8)
    static let dashboardBytes = Array(DashboardPage.html.utf8)

}
