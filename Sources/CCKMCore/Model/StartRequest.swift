/// What the body of `POST B` asks to synchronize: the family's targets or all of them. The API
/// reads and checks it from the body (`StartRequest+Parsing.swift`); the planner plans from it.
package struct StartRequest: Sendable, Equatable {
    /// The targets named in the body (`kms`, `key_vaults`, `organization_ids`, ...), without repeats.
    package var targets: [String] = []
    /// AWS only: the regions to synchronize; nil means each KMS's known regions.
    package var regions: [String]?
    package var synchronizeAll = false
}
