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
	return s.object(t, "POST", "/__admin/cloud/aws/keys", key)
}

// ChangeCloudKey changes a cloud key's "alias" or "parameters"; the next sync brings the change.
func (s *Server) ChangeCloudKey(t testing.TB, keyID string, change Object) Object {
	t.Helper()
	return s.object(t, "PATCH", "/__admin/cloud/aws/keys/"+url.PathEscape(keyID), change)
}

// RemoveCloudKey takes a key out of the cloud; the next sync of its region marks CM's record gone.
func (s *Server) RemoveCloudKey(t testing.TB, keyID string) {
	t.Helper()
	s.object(t, "DELETE", "/__admin/cloud/aws/keys/"+url.PathEscape(keyID), nil)
}

// Keys lists the AWS keys syncs brought into the domain (/api/v1/cckm/aws/keys), every page;
// filters as CM's ("alias", "keyid", "region", "kms", "gone": "true", ...).
func (s *Server) Keys(t testing.TB, domain string, filters url.Values) []Object {
	t.Helper()
	query := url.Values{"limit": {"-1"}}
	for name, values := range filters {
		query[name] = values
	}
	answer := s.object(t, "GET", "/api/v1/cckm/aws/keys?"+query.Encode(), nil, "Authorization", "Bearer "+s.Token(t, domain))
	var keys []Object
	for _, item := range answer["resources"].([]any) {
		if key, ok := item.(Object); ok {
			keys = append(keys, key)
		}
	}
	return keys
}
