import HTTPServer

/// The control API under `/__admin`: what tests and demos use to steer the mock.
extension CCKMApp {
    func admin(_ route: Route, request: HTTPRequest) throws -> HTTPResponse {
        switch route {
        case .health:
            return .json(200, #"{"status":"ok"}"#)
        case .clock:
            return .json(200, clockJSON())
        case .clockAdvance:
            let seconds = try Self.seconds(in: request.body)
            let events = try simulator.advance(seconds: seconds)
            return .json(200, clockJSON(transitions: events.count))
        case .settle:
            let events = try simulator.settle()
            return .json(200, clockJSON(transitions: events.count))
        default:
            throw APIError.notFound()
        }
    }

    /// `{"mode","now","timeScale"}`, plus `transitions` fired by the call that moved it.
    private func clockJSON(transitions: Int? = nil) -> String {
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("mode", first: true)
        writer.string(simulator.clock.isManual ? "manual" : "system")
        writer.key("now")
        writer.string(simulator.clock.now().description)
        writer.key("timeScale")
        writer.raw(jsonNumber(simulator.settings.timeScale))
        if let transitions {
            writer.key("transitions")
            writer.raw(String(transitions))
        }
        writer.raw("}")
        return writer.text
    }

    /// Reads `{"seconds": N}`, N a number of 0 or more.
    private static func seconds(in body: [UInt8]) throws(APIError) -> Double {
        guard let document = try? JSONParser.parse(body), let members = document.objectValue else {
            throw .badRequest(#"Request body must be a JSON object such as {"seconds": 30}"#)
        }
        for member in members where member.key != "seconds" {
            throw .invalidParameter(member.key, "unknown field (known: seconds)")
        }
        guard case .number(let text)? = document["seconds"], let seconds = Double(text), seconds >= 0, seconds.isFinite else {
            throw .invalidParameter("seconds", "expected a number of 0 or more")
        }
        return seconds
    }
}

/// A number as JSON: whole numbers without a fraction.
func jsonNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
