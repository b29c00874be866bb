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
        // Everything CCKM: families, routes, job store, lists, errors, fixtures. No C imports.
        .target(
            name: "CCKMMock",
            dependencies: [
                "HTTPServer",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The command line: verbs, flags, environment variables.
        .target(
            name: "CCKMMockCLI",
            dependencies: [
                "CCKMMock",
                "HTTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "cckm-mock",
            dependencies: ["CCKMMockCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The HTTP layer alone, with a responder of its own.
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer"]
        ),
        .testTarget(
            name: "CCKMMockTests",
            dependencies: ["CCKMMock", "CCKMMockCLI", "HTTPServer", "cckm-mock"],
            // The docs' examples are read from the source tree, as data, not bundled.
            exclude: ["DocsExamples", "Stores"]
        ),
    ]
)
