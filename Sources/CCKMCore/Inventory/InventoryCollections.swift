/// CM's inventory collections under `/api/v1/cckm/` that the mock answers without modelling them:
/// the ones Thales' Ansible collection's read-only checks list on a fresh manager (besides the
/// modelled keys and containers), which answer an empty list there too. The edge routes them; `conform` compares them with a lab CM's.
package enum InventoryCollections {
    package static let empty = [
        "aws/templates", "aws/custom-key-stores", "aws/reports", "azure/subscriptions", "azure/reports", "google/projects", "google/reports",
        "oci/tenancy", "oci/compartments", "oci/issuers", "oci/reports",
    ]
}
