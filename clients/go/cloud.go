package cckmmock

import (
	"net/url"
	"testing"
)

// AddCloudKey puts a key into the fake AWS cloud: key holds "region" (required), and optionally
// "alias", "account_id" and "parameters" (aws_param members over the defaults). CM's inventory
// shows it after a sync of its region; the answer's "KeyId" is AWS's id.
func (s *Server) AddCloudKey(t testing.TB, key Object) Object {
	t.Helper()
	return s.AddCloudRecord(t, "aws/keys", key)
}

// ChangeCloudKey changes a cloud key's "alias" or "parameters"; the next sync brings the change.
func (s *Server) ChangeCloudKey(t testing.TB, keyID string, change Object) Object {
	t.Helper()
	return s.ChangeCloudRecord(t, "aws/keys", keyID, change)
}

// RemoveCloudKey takes a key out of the cloud; the next sync of its region marks CM's record gone.
func (s *Server) RemoveCloudKey(t testing.TB, keyID string) {
	t.Helper()
	s.RemoveCloudRecord(t, "aws/keys", keyID)
}

// Keys lists the AWS keys syncs brought into the domain (/api/v1/cckm/aws/keys), every page;
// filters as CM's ("alias", "keyid", "region", "kms", "gone": "true", ...).
func (s *Server) Keys(t testing.TB, domain string, filters url.Values) []Object {
	t.Helper()
	return s.Records(t, "aws/keys", domain, filters)
}

// AddCloudRecord puts a record into the fake cloud's collection ("aws/keys", "azure/keys",
// "azure/secrets", "azure/certificates", "google/keys", "oci/keys"): record names its container
// ("vault", "key_ring"; "region" for AWS), its "name" ("alias" for AWS) and "parameters". An Azure
// name the vault has gets a new version. The answer's "id" is its cloud id ("KeyId" for AWS).
func (s *Server) AddCloudRecord(t testing.TB, collection string, record Object) Object {
	t.Helper()
	return s.object(t, "POST", "/__admin/cloud/"+collection, record)
}

// ChangeCloudRecord changes a cloud record's "parameters" (and an AWS key's "alias").
func (s *Server) ChangeCloudRecord(t testing.TB, collection, id string, change Object) Object {
	t.Helper()
	return s.object(t, "PATCH", "/__admin/cloud/"+collection+"/"+url.PathEscape(id), change)
}

// RemoveCloudRecord takes a record out of the cloud (an Azure key with every version).
func (s *Server) RemoveCloudRecord(t testing.TB, collection, id string) {
	t.Helper()
	s.object(t, "DELETE", "/__admin/cloud/"+collection+"/"+url.PathEscape(id), nil)
}

// Records lists what syncs brought into the domain's collection (/api/v1/cckm/<collection>),
// every page; filters as CM's ("key_name", "version": "-1", "vault_name", ...).
func (s *Server) Records(t testing.TB, collection, domain string, filters url.Values) []Object {
	t.Helper()
	query := url.Values{"limit": {"-1"}}
	for name, values := range filters {
		query[name] = values
	}
	answer := s.object(t, "GET", "/api/v1/cckm/"+collection+"?"+query.Encode(), nil, "Authorization", "Bearer "+s.Token(t, domain))
	var records []Object
	for _, item := range answer["resources"].([]any) {
		if record, ok := item.(Object); ok {
			records = append(records, record)
		}
	}
	return records
}
