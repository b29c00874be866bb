/// CM's inventory collections under `/api/v1/cckm/` that the mock answers without modelling them
/// yet: the ones Thales' Ansible collection's read-only checks list on a fresh manager, which
/// answer an empty list there too. The edge routes them; `conform` compares them with a lab CM's.
package enum InventoryCollections {
    package static let empty = [
        "aws/templates", "aws/custom-key-stores", "aws/reports", "azure/vaults", "azure/keys", "azure/secrets", "azure/certificates",
        "azure/subscriptions", "azure/reports", "google/projects", "google/key-rings", "google/keys", "google/reports", "oci/tenancy",
        "oci/compartments", "oci/vaults", "oci/issuers", "oci/keys", "oci/reports",
    ]
}
