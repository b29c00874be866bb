import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

/// Repeated reads are built once; any write makes them fresh again.
@Suite(.inProcess()) struct ResponseCacheTests {
    @Test func aWriteInvalidatesCachedReads() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...1))
        let path = "/api/v1/cckm/dsm/refresh"
        let empty = try app.get(path)
        let again = try app.get(path)
        #expect(empty.total == 0 && again.body == empty.body)
        let generation = app.app.store.generation
        let id = try app.post(path, #"{"domains":["d"]}"#).json["id"]!.stringValue!
        #expect(app.app.store.generation > generation)
        #expect(try app.get(path).total == 1)
        #expect(try app.get(path + "/" + id).json["overall_status"]?.stringValue == "in_progress")
        try app.advance(1)
        #expect(try app.get(path + "/" + id).json["overall_status"]?.stringValue == "completed", "the advance wrote, the cache let go")
        _ = try app.post("/__admin/reset?to=empty")
        #expect(try app.get(path).total == 0)
    }

    @Test func idleTicksDoNotWrite() throws {
        let app = try InProcessApp()
        let before = app.app.store.generation
        for _ in 0..<5 { try app.app.engine.tick() }
        #expect(app.app.store.generation == before)
    }

    /// Issue 22: every write emptied every cached answer, a login's too; a fleet that logs in
    /// while polling lost its cache on each login.
    @Test func aLoginAndARevocationLeaveTheListCacheAlone() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true))
        let token = try #require(try app.post("/__admin/tokens").json["jwt"]?.stringValue)
        let path = "/api/v1/cckm/dsm/refresh"
        _ = try app.send("GET", path, token: token)
        #expect(app.app.cache.usage.entries == 0, "kept from its second ask")
        _ = try app.send("GET", path, token: token)
        #expect(app.app.cache.usage.entries == 1)
        let generation = app.app.store.generation
        let login = try app.post("/api/v1/auth/tokens", #"{"grant_type":"password","username":"admin","password":"admin"}"#)
        let refresh = try #require(login.json["refresh_token"]?.stringValue)
        #expect(try app.post("/api/v1/auth/revoke", #"{"token":"\#(refresh)"}"#).status == 204)
        #expect(app.app.store.generation == generation && app.app.cache.usage.entries == 1, "still cached")
        _ = try app.send("GET", path, token: token)
        #expect(app.app.cache.usage.entries == 1)
        // A write to the jobs still lets go of it.
        #expect(try app.send("POST", path, body: #"{"domains":["d"]}"#, token: token).status == 201)
        #expect(try app.send("GET", path, token: token).total == 1)
    }

    /// Issue 22: the cache is kept per (domain, family); a start in one family left every other
    /// family's and domain's lists to be read again.
    @Test func aWriteLetsGoOfItsOwnFamilyAndDomainOnly() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...1))
        let (dsm, aws) = (JobFamily.named("dsm")!, JobFamily.named("aws")!)
        let generations = app.app.store.generations
        let before = (dsm: generations.current(family: dsm, domain: "root"), aws: generations.current(family: aws, domain: "root"))
        let other = generations.current(family: dsm, domain: "team-b")
        for _ in 0..<2 {
            _ = try app.get("/api/v1/cckm/aws/synchronization-jobs")
            _ = try app.get("/api/v1/cckm/dsm/refresh")
        }
        #expect(app.app.cache.usage.entries == 2)
        #expect(try app.post("/api/v1/cckm/dsm/refresh", #"{"domains":["d"]}"#).status == 201)
        #expect(generations.current(family: dsm, domain: "root") > before.dsm)
        #expect(generations.current(family: aws, domain: "root") == before.aws, "another family")
        #expect(generations.current(family: dsm, domain: "team-b") == other, "another domain")
        #expect(try app.get("/api/v1/cckm/dsm/refresh").total == 1)
        #expect(app.app.cache.usage.entries == 2, "dsm's entry built again and kept at once (its URL is known), aws's kept")
        try app.advance(1)
        #expect(generations.current(family: aws, domain: "root") == before.aws, "the advance ended a dsm job only")
        _ = try app.post("/__admin/reset?to=empty")
        #expect(generations.current(family: aws, domain: "root") > before.aws, "a reset lets go of everything")
        #expect(try app.get("/api/v1/cckm/dsm/refresh").total == 0)
    }

    /// A URL asked once is answered and not kept: a page walked through once, or a query with a
    /// fresh parameter, cost an insertion and an eviction for nothing.
    @Test func anAnswerIsKeptFromItsURLsSecondAsk() throws {
        let app = try InProcessApp()
        for n in 0..<50 { #expect(try app.get("/api/v1/cckm/aws/synchronization-jobs?skip=\(n)").status == 200) }
        #expect(app.app.cache.usage.entries == 0)
        #expect(try app.get("/api/v1/cckm/aws/synchronization-jobs?skip=7").status == 200)
        #expect(app.app.cache.usage.entries == 1)
    }

    /// Issue 42 #16: every stale answer kept again appended its key to the eviction list, and a
    /// cache that never filled never swept it: about 2 MB a round of 1,000 polled URLs, past
    /// `--cache-size`. The list now stays within a few times the entries it orders.
    @Test func theEvictionListStaysWithinItsEntriesWhateverGoesStale() {
        let cache = ResponseCache(capacity: 64 << 20)
        var generation = 0
        for _ in 0..<30 {
            generation += 1
            for url in 0..<1000 {
                for _ in 0..<2 {
                    _ = cache.response(for: "/api/v1/cckm/aws/synchronization-jobs?kms=\(url)", generation: { generation }) {
                        .json(200, #"{"resources":[]}"#)
                    }
                }
            }
        }
        let usage = cache.usage
        #expect(usage.entries == 1000)
        #expect(usage.order <= 2 * usage.entries + 1024, "\(usage.order) places for \(usage.entries) entries")
    }

    /// #17: `?kms=kms%00limit=1` answered for `?kms=kms&limit=1` (the key joined parts with NUL).
    @Test func distinctQueriesHaveDistinctKeys() throws {
        func key(_ query: String) -> String {
            JobHandlers.cacheKey(domain: "root", request: HTTPRequest(method: "GET", path: "/p", query: parseQuery(query)))
        }
        #expect(key("kms=kms%00limit=1") != key("kms=kms&limit=1"))
        #expect(key("a=b") != key("a%3Db"))
        #expect(key("a") != key("a="))
        let app = try InProcessApp()
        let path = "/api/v1/cckm/sfdc/keys/synchronization-jobs"
        for _ in 0..<2 { _ = try app.get(path + "?limit=1&sort=createdAt") }
        // Its limit is not a number: refused, not the kept answer of the URL it shared a key with.
        #expect(try app.get(path + "?limit=1%00sort=createdAt").status == 400)
    }
}
