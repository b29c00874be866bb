package cckmmock_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cckm-mock/cckmmock"
)

const awsJobs = "/api/v1/cckm/aws/synchronization-jobs"

// startJob posts a start as a client under test would, over a client that verifies the mock.
func startJob(t testing.TB, mock *cckmmock.Server, path, body string) map[string]any {
	t.Helper()
	request, err := http.NewRequest("POST", mock.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	request.Header.Set("Authorization", "Bearer "+mock.Token(t, "root"))
	request.Header.Set("Content-Type", "application/json")
	answer, err := mock.HTTPClient().Do(request)
	if err != nil {
		t.Fatal(err)
	}
	defer answer.Body.Close()
	var job map[string]any
	if err := json.NewDecoder(answer.Body).Decode(&job); err != nil || answer.StatusCode != 201 {
		t.Fatalf("start: %d %v %v", answer.StatusCode, job, err)
	}
	return job
}

func TestStartAdvanceWaitVerify(t *testing.T) {
	mock := cckmmock.Start(t, cckmmock.WithArgs("--target-duration", "5"))
	if !strings.HasPrefix(mock.URL, "https://127.0.0.1:") || len(mock.CACertPEM) == 0 {
		t.Fatalf("expected HTTPS with a certificate, got %s", mock.URL)
	}
	job := startJob(t, mock, awsJobs, `{"kms":["kms"]}`)
	if found := mock.Job(t, job["id"].(string)); found["family"] != "aws" || found["job"].(map[string]any)["id"] != job["id"] {
		t.Fatalf("Job found %v", found)
	}
	mock.Advance(t, 30)
	if got := mock.Wait(t, job["id"].(string), "done")["overall_status"]; got != "completed" {
		t.Fatalf("overall_status %v, want completed", got)
	}
	found := mock.Verify(t, 1, cckmmock.Matcher{Method: "POST", Path: "/api/v1/cckm/aws/*", Body: map[string]any{"kms": []string{"kms"}}})
	if len(found) != 1 || found[0]["status"] != float64(201) {
		t.Fatalf("verify found %v", found)
	}
}

// recorder keeps what a verb reports instead of failing the real test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestVerify(t *testing.T) {
	mock := cckmmock.Start(t)
	startJob(t, mock, "/api/v1/cckm/oci/synchronization-jobs", `{"vaults":["vault-1"]}`)
	tests := []struct {
		name    string
		count   int
		matcher cckmmock.Matcher
		fails   []string
	}{
		{"exact count", 1, cckmmock.Matcher{Method: "POST", Path: "/api/v1/cckm/oci/*"}, nil},
		{"at least one", -1, cckmmock.Matcher{Status: 201}, nil},
		{"body as JSON, extra members allowed", 1, cckmmock.Matcher{Body: map[string]any{"vaults": []string{"vault-1"}}}, nil},
		{"body contains", 1, cckmmock.Matcher{BodyContains: "vault-1"}, nil},
		{"wrong method shows the near miss", 1, cckmmock.Matcher{Method: "GET", Path: "/api/v1/cckm/oci/*"},
			[]string{"expected 1 request(s)", "found 0", "POST /api/v1/cckm/oci/synchronization-jobs:", "method: expected GET, got POST"}},
		{"wrong body", 1, cckmmock.Matcher{Body: map[string]any{"vaults": []string{"vault-9"}}}, []string{"body: expected"}},
		{"too many", 0, cckmmock.Matcher{Method: "POST"}, []string{"expected 0 request(s)", "found 1"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			record := &recorder{TB: t}
			mock.Verify(record, test.count, test.matcher)
			if len(test.fails) == 0 && len(record.errors) > 0 {
				t.Fatalf("unexpected failure: %s", record.errors[0])
			}
			if len(test.fails) > 0 {
				if len(record.errors) != 1 {
					t.Fatalf("expected one failure, got %q", record.errors)
				}
				for _, part := range test.fails {
					if !strings.Contains(record.errors[0], part) {
						t.Errorf("failure %q lacks %q", record.errors[0], part)
					}
				}
			}
		})
	}
}

func TestFaultsEndWithTheirTest(t *testing.T) {
	mock := cckmmock.Start(t)
	get := func() int { return statusOf(t, mock, awsJobs) }
	t.Run("with a fault", func(t *testing.T) {
		fault := mock.Fault(t, map[string]any{"path": "/api/v1/cckm/aws/*", "status": 503})
		if status := get(); status != 503 {
			t.Fatalf("status %d, want the fault's 503", status)
		}
		if hits := fault.Hits(t); hits != 1 {
			t.Fatalf("hits %d, want 1", hits)
		}
	})
	if status := get(); status != 200 {
		t.Fatalf("status %d after the subtest, want 200: its fault should be gone", status)
	}
}

func TestErrorsCarryCMsEnvelope(t *testing.T) {
	mock := cckmmock.Start(t)
	tests := []struct {
		name     string
		call     func(t testing.TB)
		status   int
		codeDesc string
	}{
		{"unknown job", func(t testing.TB) { mock.Job(t, "00000000-0000-4000-8000-000000000000") }, 404, "NCERRResourceNotFound: Resource not found"},
		{"advance past the clock's end", func(t testing.TB) { mock.Advance(t, 1e12) }, 400, "NCERRInvalidParamValue: Invalid parameter value"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			fatal := &fatalRecorder{TB: t}
			func() {
				defer func() { _ = recover() }()
				test.call(fatal)
			}()
			var failure *cckmmock.MockError
			if !errors.As(fatal.err, &failure) || failure.Status != test.status || failure.CodeDesc != test.codeDesc || failure.RequestID == "" {
				t.Fatalf("got %v, want %d %s", fatal.err, test.status, test.codeDesc)
			}
		})
	}
}

// fatalRecorder keeps the error a verb fails with; its Fatalf stops the verb as the real one would.
type fatalRecorder struct {
	testing.TB
	err error
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	for _, arg := range args {
		if err, ok := arg.(error); ok {
			r.err = err
		}
	}
	panic("fatal")
}

func TestAttachesThroughTheURLVariable(t *testing.T) {
	first := cckmmock.Start(t, cckmmock.WithTLS(false))
	t.Setenv(cckmmock.URLVariable, first.URL)
	attached := cckmmock.Start(t)
	if attached.StartedHere() || attached.URL != first.URL {
		t.Fatalf("expected to attach to %s, got %s (started here: %v)", first.URL, attached.URL, attached.StartedHere())
	}
	if mode := attached.Clock(t)["mode"]; mode != "manual" {
		t.Fatalf("clock mode %v", mode)
	}
}

// Issue 35: one test loads a failing script, the others expect a clean server. Run in the order
// clean, load, clean on one server reset before each, as a suite shares one: nothing a test loads
// reaches the next.
func TestNothingATestLoadsReachesTheNextTest(t *testing.T) {
	mock := cckmmock.Start(t)
	failing := `{"scripts":[{"family":"aws","target":"eu-west-1","after":3,"outcome":"fail","message":"throttled"}],` +
		`"jobs":[{"family":"oci","id":"44444444-4444-4444-8444-444444444444","createdAt":"-1m","overall_status":"completed"}]}`
	startAndEnd := func(t *testing.T) any {
		job := startJob(t, mock, awsJobs, `{"kms":["kms"],"regions":["eu-west-1"]}`)
		mock.Advance(t, 30)
		return mock.Wait(t, job["id"].(string), "done")["overall_status"]
	}
	clean := func(t *testing.T) {
		if jobs := mock.Reset(t)["jobs"]; jobs != float64(0) {
			t.Fatalf("after a reset: %v jobs, want the start-up 0", jobs)
		}
		if status := startAndEnd(t); status != "completed" {
			t.Fatalf("a clean server's job ended %v", status)
		}
	}
	loads := func(t *testing.T) {
		mock.LoadFixtures(t, []byte(failing))
		if status := startAndEnd(t); status != "failed" {
			t.Fatalf("the script's job ended %v, want failed", status)
		}
	}
	for _, test := range []struct {
		name string
		run  func(t *testing.T)
	}{{"clean", clean}, {"loads a failing script", loads}, {"clean again", clean}} {
		mock.Reset(t)
		t.Run(test.name, test.run)
	}
	mock.LoadBaseline(t, []byte(failing))
	if jobs := mock.Reset(t)["jobs"]; jobs != float64(1) {
		t.Fatalf("after a reset to a baseline of one job: %v jobs", jobs)
	}
	if jobs := mock.ResetTo(t, "startup", "")["jobs"]; jobs != float64(0) {
		t.Fatalf("after a reset to the start-up state: %v jobs", jobs)
	}
}

// statusOf is the status of a GET of path with the root domain's token.
func statusOf(t *testing.T, mock *cckmmock.Server, path string) int {
	t.Helper()
	request, _ := http.NewRequest("GET", mock.URL+path, nil)
	request.Header.Set("Authorization", "Bearer "+mock.Token(t, "root"))
	answer, err := mock.HTTPClient().Do(request)
	if err != nil {
		t.Fatal(err)
	}
	answer.Body.Close()
	return answer.StatusCode
}
