import Testing

@testable import CCKMMock

@Suite struct JSONParserTests {
    @Test func keepsObjectKeyOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":[true,null,"x"],"m":{"b":2,"a":1}}"#)
        #expect(value.objectValue?.map(\.key) == ["z", "a", "m"])
        #expect(value["m"]?.objectValue?.map(\.key) == ["b", "a"])
        #expect(value.jsonText == #"{"z":1,"a":[true,null,"x"],"m":{"b":2,"a":1}}"#)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\n\t\u00e9\ud83d\ude00"]"#)
        #expect(value.arrayValue?.first?.stringValue == "a\"b\\c/d\n\té😀")
    }

    @Test func writesEscapesBack() {
        let text = JSONValue.string("q\"b\\n\n\u{01}é").jsonText
        #expect(text == #""q\"b\\n\n\u0001é""#)
    }

    @Test(arguments: [
        ("", 1, 1, "unexpected end of input"),
        ("{\"a\":1,}", 1, 8, "expected a string key"),
        ("[1,2", 1, 5, "expected ',' or ']'"),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
        ("{\n  \"a\": tru\n}", 2, 8, "expected true"),
        ("\"abc", 1, 5, "unterminated string"),
        ("[01]", 1, 3, "expected ',' or ']'"),
        ("[1.]", 1, 4, "expected a digit after '.'"),
        ("\"a\u{01}\"", 1, 3, "control character"),
        ("\"\\x\"", 1, 3, "invalid escape"),
        ("\"\\ud800\"", 1, 8, "unpaired surrogate"),
        ("{} {}", 1, 4, "unexpected text after"),
    ])
    func reportsSyntaxErrorsWithPosition(text: String, line: Int, column: Int, reason: String) {
        #expect {
            try JSONParser.parse(text)
        } throws: { error in
            guard let error = error as? JSONSyntaxError else { return false }
            return error.line == line && error.column == column && error.reason.contains(reason)
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        #expect((try? JSONParser.parse(String(repeating: "[", count: 10) + String(repeating: "]", count: 10))) != nil)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        "2020-11-05T06:38:25.308834Z", "2020-08-06T09:49:34.605578452Z", "1970-01-01T00:00:00.000000Z", "2000-02-29T23:59:59.999999Z",
        "1969-12-31T23:59:59.500000Z",
    ])
    func roundTrips(text: String) throws {
        let time = try #require(Timestamp(rfc3339: text))
        #expect(time.description == text)
    }

    @Test func knownInstants() throws {
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:01Z")?.nanoseconds == 1_000_000_000)
        #expect(Timestamp(rfc3339: "2020-11-05T06:38:25.308834Z")?.nanoseconds == 1_604_558_305_308_834_000)
        #expect(Timestamp(rfc3339: "2020-11-05T08:38:25.308834+02:00") == Timestamp(rfc3339: "2020-11-05T06:38:25.308834Z"))
        #expect(Timestamp(rfc3339: "2020-11-05T06:38:25.3Z")?.description == "2020-11-05T06:38:25.300000Z")
        #expect(Timestamp(nanoseconds: 1_604_558_305_308_834_000).adding(seconds: 1.5).description == "2020-11-05T06:38:26.808834Z")
    }

    @Test(arguments: [
        "", "2020-11-05", "2020-11-05T06:38:25", "2020-13-05T06:38:25Z", "2021-02-29T00:00:00Z", "2020-11-05T24:00:00Z",
        "2020-11-05T06:38:25.Z", "2020-11-05T06:38:25.1234567890Z", "2020-11-05T06:38:25Zjunk", "2020-11-05 06:38:25Z",
        // Outside 1900...2200: nanoseconds in 64 bits end in 2262 (year 1 crashed the server before).
        "0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
    ])
    func rejectsMalformed(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }
}

@Suite struct UUIDTests {
    @Test func randomUUIDsAreVersion4() {
        let ids = (0..<100).map { _ in randomUUID() }
        #expect(Set(ids).count == 100)
        for id in ids {
            #expect(isUUID(id))
            #expect(Array(id)[14] == "4")
            #expect("89ab".contains(Array(id)[19]))
        }
    }

    @Test func jobIDsAreVersion4AndSortByTime() throws {
        let randomness = Randomness(seed: 3)
        let start = try #require(Timestamp(rfc3339: "2020-11-05T06:38:25.308834Z"))
        let ids = (0..<200).map { randomness.uuid(orderedAt: start.adding(seconds: Double($0) * 0.002)) }
        #expect(Set(ids).count == 200)
        #expect(ids == ids.sorted(), "a later millisecond sorts later")
        for id in ids {
            #expect(isUUID(id) && Array(id)[14] == "4" && "89ab".contains(Array(id)[19]))
        }
        #expect(ids[0].hasPrefix("01759720-b81c-4"), "the milliseconds of 2020-11-05T06:38:25.308Z, then the version")
    }

    @Test func seededGeneratorRepeats() {
        struct Counter: RandomNumberGenerator {
            var state: UInt64 = 7
            mutating func next() -> UInt64 {
                state = state &* 6_364_136_223_846_793_005 &+ 1
                return state
            }
        }
        var first = Counter()
        var second = Counter()
        #expect(randomUUID(using: &first) == randomUUID(using: &second))
    }
}

@Suite struct TimestampEdgeTests {
    @Test func addingSaturatesInsteadOfTrapping() {
        let start = ManualClock.defaultStart
        #expect(start.adding(seconds: 1e300).nanoseconds == .max)
        #expect(start.adding(seconds: -1e300).nanoseconds == .min)
        #expect(Timestamp(nanoseconds: .max - 5).adding(seconds: 1).nanoseconds == .max)
        #expect(start.adding(seconds: .nan).nanoseconds == .max)
    }

    @Test func hugeAdvancesAreRefused() throws {
        let app = try InProcessApp()
        try app.post("/__admin/clock/advance", #"{"seconds": 1e300}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "(10 years)")
        #expect(try app.post("/__admin/clock/advance", #"{"seconds": 315576000}"#).status == 200)
    }
}

/// What schemathesis found: each once a crash or a wrong acceptance.
@Suite struct FuzzFindingsTests {
    @Test func roundingNearTheEndOfTimeDoesNotTrap() {
        #expect(Timestamp(nanoseconds: .max).roundedToMicroseconds.nanoseconds <= .max)
        #expect(Timestamp(nanoseconds: 1_999).roundedToMicroseconds.nanoseconds == 2_000)
        #expect(Timestamp(nanoseconds: -1_600).roundedToMicroseconds.nanoseconds == -2_000)
    }

    @Test func theManualClockStopsBefore2200() throws {
        let app = try InProcessApp()
        for _ in 0..<17 { #expect(try app.post("/__admin/clock/advance", #"{"seconds": 315576000}"#).status == 200) }
        try app.post("/__admin/clock/advance", #"{"seconds": 315576000}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "may not pass 2200-01-01")
        #expect(try app.post("/api/v1/cckm/azure/certificates/synchronization-jobs", #"{"synchronize_all": true}"#).status == 201)
    }

    @Test func emptyRegionsAreRefused() throws {
        try InProcessApp().post("/api/v1/cckm/aws/synchronization-jobs", #"{"regions": [], "synchronize_all": true}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "\"regions\": must name at least one")
    }

    @Test func faultNumbersMustBeWhole() throws {
        let reply = try InProcessApp().post("/__admin/faults", #"{"latencyMs": 2.5e-42, "status": 100}"#)
        #expect(reply.status == 400 && reply.json["message"]?.stringValue?.contains("a whole number") == true)
    }
}
