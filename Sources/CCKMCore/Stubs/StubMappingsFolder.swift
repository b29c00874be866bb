import Foundation

/// A folder laid out as WireMock's (`serve --mappings DIR`): `DIR/mappings/*.json`, each file one
/// mapping or `{"mappings": [...]}`, and `DIR/__files/` for the bodies `bodyFileName` names. Read
/// at start-up, every problem of every file reported at once.
package enum StubMappingsFolder {
    package static func load(_ path: String) throws(FixtureError) -> [StubMapping] {
        let folder = URL(fileURLWithPath: path)
        let mappings = folder.appendingPathComponent("mappings")
        let files = folder.appendingPathComponent("__files")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: mappings.path) else {
            throw FixtureError(problems: ["\(path): no mappings folder (WireMock's layout: \(path)/mappings/*.json, \(path)/__files/)"])
        }
        let body: (String) -> [UInt8]? = { name in
            let file = files.appendingPathComponent(name).standardizedFileURL
            guard file.path.hasPrefix(files.standardizedFileURL.path + "/") else { return nil }
            return (try? Data(contentsOf: file)).map { Array($0) }
        }
        var stubs: [StubMapping] = []
        var problems: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let file = mappings.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: file), let document = try? JSONParser.parse(Array(data)) else {
                problems.append("\(file.path): not JSON")
                continue
            }
            let items = document["mappings"]?.arrayValue ?? [document]
            for (index, item) in items.enumerated() {
                do {
                    stubs.append(try StubMapping.parse(item, id: { stableUUID("mappings-folder", name, String(index)) }, files: body))
                } catch {
                    problems.append("\(file.path)\(items.count > 1 ? " mappings[\(index)]" : ""): \(error.description)")
                }
            }
        }
        guard problems.isEmpty else { throw FixtureError(problems: problems) }
        return stubs
    }
}
