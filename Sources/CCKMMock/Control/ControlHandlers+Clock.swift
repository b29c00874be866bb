import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// The control API's clock: its JSON, and the time scale and advances it reads.
extension ControlHandlers {
    /// `{"mode","now","timeScale"}`, plus `transitions` fired by the call that moved it.
    func clockJSON(transitions: Int? = nil) -> String {
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("mode", first: true)
        writer.string(engine.clock.isManual ? "manual" : "system")
        writer.key("now")
        writer.string(engine.clock.now().description)
        writer.key("timeScale")
        writer.raw(jsonNumber(engine.settings.timeScale))
        if let transitions {
            writer.key("transitions")
            writer.raw(String(transitions))
        }
        writer.raw("}")
        return writer.text
    }

    /// Reads `{"timeScale": X}`, X in `SimulatorSettings.timeScales`.
    static func timeScale(in body: [UInt8]) throws(InputError) -> Double {
        guard let document = try? JSONParser.parse(body), document.objectValue != nil,
            case .number(let text)? = document["timeScale"], let scale = Double(text), SimulatorSettings.timeScales.contains(scale)
        else {
            throw .invalidParameter("timeScale", #"expected {"timeScale": X} with X from 0.001 to 10000"#)
        }
        return scale
    }

    /// The most one advance moves the clock: 10 years.
    static let maxAdvance = 10 * 365.25 * 86_400.0

    /// Reads `{"seconds": N}`, N from 0 to 10 years.
    static func seconds(in body: [UInt8]) throws(InputError) -> Double {
        guard let document = try? JSONParser.parse(body), document.objectValue != nil else {
            throw .badRequest(#"Request body must be a JSON object such as {"seconds": 30}"#)
        }
        try document.rejectUnknownMembers(known: ["seconds"])
        guard case .number(let text)? = document["seconds"], let seconds = Double(text), seconds >= 0, seconds <= maxAdvance else {
            throw .invalidParameter("seconds", "expected a number from 0 to \(Int(maxAdvance)) (10 years)")
        }
        return seconds
    }
}
