package cckmmock

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Matcher says which journaled requests a test means, as POST /__admin/requests/count reads it.
// Empty members match anything.
type Matcher struct {
	Method string `json:"method,omitempty"`
	// Path is a glob: * matches any run of characters.
	Path string `json:"path,omitempty"`
	// Query and Headers map a name to a value it must have.
	Query   map[string]string `json:"-"`
	Headers map[string]string `json:"-"`
	// Body is compared as JSON, extra members allowed; BodyContains must be part of the body.
	Body         any    `json:"-"`
	BodyContains string `json:"-"`
	Status       int    `json:"status,omitempty"`
	Domain       string `json:"domain,omitempty"`
}

// MarshalJSON writes the control API's matcher document.
func (m Matcher) MarshalJSON() ([]byte, error) {
	type plain Matcher
	document := map[string]any{}
	raw, err := json.Marshal(plain(m))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &document); err != nil {
		return nil, err
	}
	if len(m.Query) > 0 {
		document["query"] = m.Query
	}
	if len(m.Headers) > 0 {
		document["headers"] = m.Headers
	}
	if m.Body != nil {
		document["body"] = map[string]any{"equalToJson": m.Body, "ignoreExtraMembers": true}
	} else if m.BodyContains != "" {
		document["body"] = map[string]any{"contains": m.BodyContains}
	}
	return json.Marshal(document)
}

// Requests are the journaled requests the matcher describes, oldest first.
func (s *Server) Requests(t testing.TB, matcher Matcher) []Object {
	t.Helper()
	items, _ := s.object(t, "POST", "/__admin/requests/find", matcher)["requests"].([]any)
	found := make([]Object, 0, len(items))
	for _, item := range items {
		if request, ok := item.(Object); ok {
			found = append(found, request)
		}
	}
	return found
}

// Verify fails t unless exactly count requests match (count < 0: at least one); the failure shows
// the closest requests that did not match, and why each did not. It returns the matches.
func (s *Server) Verify(t testing.TB, count int, matcher Matcher) []Object {
	t.Helper()
	found := s.Requests(t, matcher)
	if (count >= 0 && len(found) == count) || (count < 0 && len(found) > 0) {
		return found
	}
	wanted, _ := json.Marshal(matcher)
	misses, _ := s.object(t, "POST", "/__admin/requests/near-misses", matcher)["nearMisses"].([]any)
	var report strings.Builder
	for _, item := range misses {
		miss, _ := item.(Object)
		request, _ := miss["request"].(Object)
		differences, _ := miss["differences"].([]any)
		report.WriteString("\n  ")
		report.WriteString(stringOf(request["method"]) + " " + stringOf(request["path"]) + ":")
		for _, difference := range differences {
			report.WriteString("\n    " + stringOf(difference))
		}
	}
	expected := "at least 1"
	if count >= 0 {
		expected = strconv.Itoa(count)
	}
	if report.Len() == 0 {
		report.WriteString(" none")
	}
	t.Errorf("cckmmock: expected %s request(s) matching %s, found %d; closest:%s", expected, wanted, len(found), report.String())
	return found
}

func stringOf(value any) string {
	text, _ := value.(string)
	return text
}
