package cckmmock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MockError is an answer that was not a success, with CM's error envelope when it had one.
type MockError struct {
	Method, Path string
	Status       int
	Code         int    `json:"code"`
	CodeDesc     string `json:"codeDesc"`
	Message      string `json:"message"`
	RequestID    string `json:"requestID"`
	// Body is the answer as sent, for one that was not CM's envelope.
	Body string
}

func (e *MockError) Error() string {
	if e.CodeDesc != "" {
		return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.CodeDesc, e.Message)
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, strings.TrimSpace(e.Body))
}

// Object is a JSON object as the server sent it.
type Object = map[string]any

// call sends one request and decodes the JSON answer (nil for 204); other statuses are *MockError.
func (s *Server) call(method, path string, body any, header ...string) (any, error) {
	var payload io.Reader
	if body != nil {
		raw, ok := body.([]byte)
		if !ok {
			var err error
			if raw, err = json.Marshal(body); err != nil {
				return nil, err
			}
		}
		payload = bytes.NewReader(raw)
	}
	request, err := http.NewRequest(method, s.URL+path, payload)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		request.Header.Set("Content-Type", "application/json")
	}
	if s.adminToken != "" && strings.HasPrefix(path, "/__admin") {
		request.Header.Set("Authorization", "Bearer "+s.adminToken)
	}
	for i := 0; i+1 < len(header); i += 2 {
		request.Header.Set(header[i], header[i+1])
	}
	answer, err := s.client.Do(request)
	if err != nil {
		return nil, err
	}
	defer answer.Body.Close()
	text, err := io.ReadAll(answer.Body)
	if err != nil {
		return nil, err
	}
	if answer.StatusCode >= 300 {
		failure := &MockError{Method: method, Path: path, Status: answer.StatusCode, Body: string(text)}
		_ = json.Unmarshal(text, failure)
		return nil, failure
	}
	if len(text) == 0 {
		return nil, nil
	}
	var value any
	if err := json.Unmarshal(text, &value); err != nil {
		return nil, fmt.Errorf("%s %s: not JSON: %w", method, path, err)
	}
	return value, nil
}

func (s *Server) object(t testing.TB, method, path string, body any, header ...string) Object {
	t.Helper()
	value, err := s.call(method, path, body, header...)
	if err != nil {
		t.Fatalf("cckmmock: %v", err)
	}
	object, _ := value.(Object)
	return object
}

// token is a JWT the kit keeps, and when it gets a new one: half-way through the JWT's life, so
// that a server shared by a package (TestMain) never hands out an expired one.
type token struct {
	jwt     string
	renewAt time.Time
}

// Token is a bearer token (JWT) for domain ("root" for the root domain), from the control API;
// kept per domain until half its life (--token-ttl) is over. The root domain's outlives a Reset,
// which keeps the server's signing key and the root domain: one round trip less per test.
func (s *Server) Token(t testing.TB, domain string) string {
	t.Helper()
	s.mu.Lock()
	known, ok := s.tokens[domain]
	s.mu.Unlock()
	if ok && s.now().Before(known.renewAt) {
		return known.jwt
	}
	answer := s.object(t, "POST", "/__admin/tokens", Object{"domain": domain})
	jwt, _ := answer["jwt"].(string)
	seconds, _ := answer["duration"].(float64)
	s.mu.Lock()
	s.tokens[domain] = token{jwt: jwt, renewAt: s.now().Add(time.Duration(seconds/2*1000) * time.Millisecond)}
	s.mu.Unlock()
	return jwt
}

// Reset puts the store back to its baseline (the fixtures it started with unless LoadBaseline set
// others), and clears faults, the journal and the kit's tokens but the root domain's.
func (s *Server) Reset(t testing.TB) Object {
	t.Helper()
	return s.ResetTo(t, "fixtures", "")
}

// ResetTo goes back to the baseline ("fixtures"), to the start-up fixtures ("startup", which are the
// baseline again after it) or to nothing ("empty"), for one domain or all ("").
func (s *Server) ResetTo(t testing.TB, to, domain string) Object {
	t.Helper()
	query := url.Values{"to": {to}}
	if domain != "" {
		query.Set("domain", domain)
	}
	// A reset may remove a domain a fixture added; the root's token stays good.
	s.mu.Lock()
	root, kept := s.tokens["root"]
	s.tokens = map[string]token{}
	if kept {
		s.tokens["root"] = root
	}
	s.mu.Unlock()
	return s.object(t, "POST", "/__admin/reset?"+query.Encode(), nil)
}

// LoadFixtures merges a fixture (a JSON document as bytes, or a value to marshal) into the store
// for this test: the next Reset takes it away again.
func (s *Server) LoadFixtures(t testing.TB, fixture any) Object {
	t.Helper()
	return s.object(t, "POST", "/__admin/fixtures?mode=merge", fixture)
}

// LoadBaseline makes a fixture the whole state and what every later Reset returns to, for a suite
// that wants another start than the server's (ResetTo(t, "startup", "") undoes it).
func (s *Server) LoadBaseline(t testing.TB, fixture any) Object {
	t.Helper()
	return s.object(t, "POST", "/__admin/fixtures?mode=replace&baseline=true", fixture)
}

// Clock is {"mode", "now", "timeScale"}.
func (s *Server) Clock(t testing.TB) Object {
	t.Helper()
	return s.object(t, "GET", "/__admin/clock", nil)
}

// Advance moves the manual clock forward, ending what falls due on the way.
func (s *Server) Advance(t testing.TB, seconds float64) Object {
	t.Helper()
	return s.object(t, "POST", "/__admin/clock/advance", Object{"seconds": seconds})
}

// Settle runs every job in progress to its end.
func (s *Server) Settle(t testing.TB) Object {
	t.Helper()
	return s.object(t, "POST", "/__admin/jobs/settle", nil)
}

// Job is one job by id, whatever its family.
func (s *Server) Job(t testing.TB, id string) Object {
	t.Helper()
	return s.object(t, "GET", "/__admin/jobs/"+url.PathEscape(id), nil)
}

// Wait answers when the job reaches status ("done" for any final one, "completed", "failed",
// "in_progress"); a job that does not within 10 s fails t.
func (s *Server) Wait(t testing.TB, id, status string) Object {
	t.Helper()
	return s.WaitFor(t, id, status, 10*time.Second)
}

// WaitFor is Wait with a timeout of your own (at most 5 minutes).
func (s *Server) WaitFor(t testing.TB, id, status string, timeout time.Duration) Object {
	t.Helper()
	query := url.Values{"status": {status}, "timeout": {strconv.FormatInt(timeout.Milliseconds(), 10) + "ms"}}
	return s.object(t, "GET", "/__admin/jobs/"+url.PathEscape(id)+"/wait?"+query.Encode(), nil)
}

// Complete ends the job's running targets (or target, when not empty) well now.
func (s *Server) Complete(t testing.TB, id, target string) Object {
	t.Helper()
	return s.end(t, id, "complete", target)
}

// Fail ends the job's running targets (or target) with the family's failure now.
func (s *Server) Fail(t testing.TB, id, target string) Object {
	t.Helper()
	return s.end(t, id, "fail", target)
}

func (s *Server) end(t testing.TB, id, verb, target string) Object {
	t.Helper()
	body := Object{}
	if target != "" {
		body["target"] = target
	}
	return s.object(t, "POST", "/__admin/jobs/"+url.PathEscape(id)+"/"+verb, body)
}

// Fault is an injected fault rule; t.Cleanup removes it.
type Fault struct {
	ID     string
	server *Server
}

// Fault installs a rule such as {"path": "/api/v1/cckm/aws/*", "status": 503, "times": 1}; it is
// removed when t ends.
func (s *Server) Fault(t testing.TB, rule Object) *Fault {
	t.Helper()
	id, _ := s.object(t, "POST", "/__admin/faults", rule)["id"].(string)
	fault := &Fault{ID: id, server: s}
	t.Cleanup(func() { _, _ = s.call("DELETE", "/__admin/faults/"+url.PathEscape(id), nil) })
	return fault
}

// Hits is how many requests the rule has answered.
func (f *Fault) Hits(t testing.TB) int {
	t.Helper()
	faults, _ := f.server.object(t, "GET", "/__admin/faults", nil)["faults"].([]any)
	for _, item := range faults {
		if rule, ok := item.(Object); ok && rule["id"] == f.ID {
			hits, _ := rule["hits"].(float64)
			return int(hits)
		}
	}
	return 0
}

// Stub adds a stub in WireMock's mapping format ("request", "response", "priority", ...) for any
// endpoint, modelled or not, and removes it when the test ends; the answer is the mapping with
// its "id". A reset drops it too.
func (s *Server) Stub(t testing.TB, mapping Object) Object {
	t.Helper()
	added := s.object(t, "POST", "/__admin/mappings", mapping)
	id, _ := added["id"].(string)
	t.Cleanup(func() { _, _ = s.call("DELETE", "/__admin/mappings/"+url.PathEscape(id), nil) })
	return added
}

// Stubs lists every stub, newest first, as WireMock lists them.
func (s *Server) Stubs(t testing.TB) []Object {
	t.Helper()
	var stubs []Object
	for _, item := range s.object(t, "GET", "/__admin/mappings", nil)["mappings"].([]any) {
		if mapping, ok := item.(Object); ok {
			stubs = append(stubs, mapping)
		}
	}
	return stubs
}
