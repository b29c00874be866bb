// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cckm-mock",
    products: [
        .executable(name: "cckm-mock", targets: ["cckm-mock"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The C library, as Debian ships it. Only HTTPServer imports it.
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        // GnuTLS, which libmicrohttpd already links: HMAC, random bytes, X.509 certificates.
        .systemLibrary(
            name: "CGnuTLS",
            pkgConfig: "gnutls",
            providers: [.apt(["libgnutls28-dev"])]
        ),
        // The one layer that touches C: daemon, requests, responses, trampolines, TLS and crypto.
        // Knows nothing of CCKM.
        .target(
            name: "HTTPServer",
            dependencies: ["CMicroHTTPD", "CGnuTLS"]
        ),
        // The CCKM model with no I/O: families, jobs, JSON, the simulation's rules and clocks,
        // scheduler values, fixtures and their reader, and the error a client's input is refused with.
        .target(name: "CCKMCore", plugins: ["LayerGuard"]),
        // The jobs and their tables in SQLite through GRDB: lists, schema, bulk load, checkpoints,
        // generations. Its writes take a `Database` that only the engine hands out; the edge gets
        // the read-only face (`StoreReader`). The hot reads of the event loops go through SQLite's
        // own API on read-only connections of their own (`LoopReaders`), GRDB's module of it.
        .target(
            name: "CCKMStore",
            dependencies: [
                "CCKMCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The one writer: commands in batches, the one advance, fixture loads, what changed.
        .target(
            name: "CCKMEngine",
            dependencies: ["CCKMCore", "CCKMStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The edge: routes, handlers, auth, the control API, caches, waits, the access log, the
        // dashboard, and `MockServer`, the one place that builds the engine. No C imports, no GRDB.
        .target(
            name: "CCKMMock",
            dependencies: [
                "CCKMCore", "CCKMStore", "CCKMEngine", "HTTPServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // GRDB is not a dependency, and with this its members are out of reach too: a writer
            // the edge came by could not be used.
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")],
            // And an `import GRDB` here fails the build (SwiftPM's import check covers the
            // package's own modules only).
            plugins: ["LayerGuard"]
        ),
        // Assembly and serving: `MockApplication.build` opens the stores and builds the engine, the
        // token service, the handler groups and the app (the one place a mock is put together);
        // `MockServer` is the service that builds, listens and serves until a graceful shutdown.
        .target(
            name: "CCKMServer",
            dependencies: [
                "CCKMCore", "CCKMStore", "CCKMEngine", "CCKMMock", "HTTPServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")],
            plugins: ["LayerGuard"]
        ),
        // The lab tools: `conform` and `record`, clients of a real CM (or another mock) that need
        // only the model and the HTTP client, never the store, the engine or the app.
        .target(name: "CCKMLab", dependencies: ["CCKMCore", "HTTPServer"], plugins: ["LayerGuard"]),
        // The build step that refuses a forbidden import, and its tool.
        .plugin(name: "LayerGuard", capability: .buildTool(), dependencies: ["layer-guard"]),
        .executableTarget(name: "layer-guard", path: "Plugins/LayerGuardTool"),
        // The command line: verbs, flags, environment variables.
        .target(
            name: "CCKMMockCLI",
            dependencies: [
                "CCKMCore", "CCKMStore", "CCKMEngine", "CCKMMock", "CCKMServer", "CCKMLab",
                "HTTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            plugins: ["LayerGuard"]
        ),
        .executableTarget(
            name: "cckm-mock",
            dependencies: ["CCKMMockCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // How every test runs on a busy machine: its body off the cooperative pool, a few tests
        // with servers or processes at a time, a limit counted from its start, cleanups that
        // always run, waits with deadlines. Knows nothing of cckm-mock.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        // The core's units: JSON, times, ids, the family table, cron, fixtures; no store, no server.
        .testTarget(
            name: "CCKMCoreTests",
            dependencies: ["CCKMCore", "CCKMTestFixtures", "TestSupport"]
        ),
        // The HTTP layer alone, with a responder of its own.
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer", "TestSupport"]
        ),
        // Shared by the tests of every layer: jobs made to order, the repository's files, store
        // writes made without an engine, curl, and the built executable run as a process.
        .target(
            name: "CCKMTestFixtures",
            dependencies: ["CCKMCore", "CCKMStore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/CCKMTestFixtures"
        ),
        // A mock to test with, built by `MockApplication.build` as a served one is: in-process
        // (request values, no socket) or live (a real server on a free port, a real SQLite file).
        .target(
            name: "CCKMTestSupport",
            dependencies: [
                "CCKMCore", "CCKMStore", "CCKMEngine", "CCKMMock", "CCKMServer", "HTTPServer", "CCKMTestFixtures", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/CCKMTestSupport"
        ),
        // The store alone: lists against an oracle, tenants, the log's restart.
        .testTarget(
            name: "CCKMStoreTests",
            dependencies: ["CCKMCore", "CCKMStore", "CCKMTestFixtures", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The engine's parts without a server: the group commit's drain, the command queue on a store.
        .testTarget(
            name: "CCKMEngineTests",
            dependencies: ["CCKMCore", "CCKMStore", "CCKMEngine", "CCKMTestFixtures", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The edge in-process: routes, handlers, auth, the control API, caches, waits, through the app.
        .testTarget(
            name: "CCKMMockTests",
            dependencies: [
                "CCKMCore", "CCKMStore", "CCKMEngine", "CCKMMock", "HTTPServer", "CCKMTestSupport", "CCKMTestFixtures", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Live servers and processes: sockets, TLS, data folders, signals, the docs' examples.
        .testTarget(
            name: "CCKMServerTests",
            dependencies: [
                "CCKMCore", "CCKMStore", "CCKMEngine", "CCKMMock", "CCKMServer", "HTTPServer", "cckm-mock", "CCKMTestSupport", "CCKMTestFixtures",
                "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            // The docs' examples and the stores of landed builds are read from the source tree, as data, not bundled.
            exclude: ["DocsExamples", "Stores", "Peers"]
        ),
        // conform and record against a stand-in lab (a mock of its own, served live).
        .testTarget(
            name: "CCKMLabTests",
            dependencies: [
                "CCKMCore", "CCKMLab", "HTTPServer", "CCKMTestSupport", "CCKMTestFixtures", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Peers"]
        ),
        // The command line's parsing and settings.
        .testTarget(
            name: "CCKMMockCLITests",
            dependencies: [
                "CCKMCore", "CCKMStore", "CCKMEngine", "CCKMMock", "CCKMServer", "CCKMMockCLI", "HTTPServer", "CCKMTestSupport", "CCKMTestFixtures",
                "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ]
)
