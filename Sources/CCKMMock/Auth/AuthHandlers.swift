import CCKMCore
import CCKMEngine
import HTTPServer

/// Login and revocation: `POST /api/v1/auth/tokens` and `/revoke`.
package final class AuthHandlers: Sendable {
    let tokens: TokenService
    let engine: Engine
    let replies: Replies

    package init(tokens: TokenService, engine: Engine, replies: Replies) {
        self.tokens = tokens
        self.engine = engine
        self.replies = replies
    }

    /// A login: checked when the reply starts; a password grant's new session saved with the
    /// engine's group commit and answered after it, a refresh token answered at once (nothing to write).
    func login(_ call: Call) -> HTTPReply {
        let (tokens, engine, body) = (self.tokens, self.engine, call.body)
        return replies.later(call, status: 200) { finish in
            do {
                let login = try tokens.checkLogin(body: body)
                guard login.isNew else { return finish(.success(login.response)) }
                engine.submit(engine.loginCommand(login.session, createdAt: tokens.now(), response: login.response), finish: finish)
            } catch {
                finish(.failure(error))
            }
        }
    }

    func revoke(_ call: Call) throws -> HTTPReply {
        try tokens.revoke(body: call.body)
        return .now(HTTPResponse(status: 204))
    }
}
