package cckmmock_test

import (
	"sync"
	"testing"

	"github.com/cckm-mock/cckmmock"
)

// Issue 43: two tests that each expect the baseline, one of them loading a failing script. Run
// with -count=2 they run in both orders, on a server of their own or attached to one through
// $CCKM_MOCK_URL (scripts/test-go-kit runs both): nothing the first loads reaches the second, and
// each begins at the same clock with the same first id whatever ran before.
var firstSeen sync.Map

// begin starts the test's first job on the baseline and checks its time and id against every
// other test's first job.
func begin(t *testing.T) *cckmmock.Server {
	mock := cckmmock.Start(t, cckmmock.WithSeed(7))
	job := startJob(t, mock, awsJobs, `{"kms":["kms"],"regions":["eu-west-1"]}`)
	first := [3]any{mock.Clock(t)["now"], job["id"], job["createdAt"]}
	if seen, loaded := firstSeen.LoadOrStore("first", first); loaded && seen != first {
		t.Fatalf("this test began at clock, id, createdAt %v; an earlier one at %v", first, seen)
	}
	return mock
}

func TestIsolationLoadsAFailingScript(t *testing.T) {
	mock := begin(t)
	mock.Advance(t, 30)
	mock.LoadFixtures(t, []byte(`{"scripts":[{"family":"oci","target":"v","after":3,"outcome":"fail","message":"throttled"}]}`))
	job := startJob(t, mock, "/api/v1/cckm/oci/synchronization-jobs", `{"vaults":["v"]}`)
	mock.Advance(t, 30)
	if status := mock.Wait(t, job["id"].(string), "done")["overall_status"]; status != "failed" {
		t.Fatalf("the script's job ended %v, want failed", status)
	}
}

func TestIsolationExpectsTheBaseline(t *testing.T) {
	mock := begin(t)
	mock.Advance(t, 30)
	job := startJob(t, mock, "/api/v1/cckm/oci/synchronization-jobs", `{"vaults":["v"]}`)
	mock.Advance(t, 30)
	if status := mock.Wait(t, job["id"].(string), "done")["overall_status"]; status != "completed" {
		t.Fatalf("a job on the baseline ended %v: something an earlier test loaded is still there", status)
	}
}
