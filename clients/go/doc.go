// Package cckmmock starts a cckm-mock (a stand-in for the CCKM job API of a Thales CipherTrust
// Manager) for a Go test, and wraps its control API: tokens, resets, fixtures, the manual clock,
// waits, faults and verification of what the client sent.
//
//	func TestSync(t *testing.T) {
//		mock := cckmmock.Start(t)
//		job := startAWSJob(t, mock.HTTPClient(), mock.URL, mock.Token(t, "root"))
//		mock.Advance(t, 30)
//		if got := mock.Wait(t, job, "done")["overall_status"]; got != "completed" {
//			t.Fatalf("status %v", got)
//		}
//		mock.Verify(t, 1, cckmmock.Matcher{Method: "POST", Path: "/api/v1/cckm/aws/*"})
//	}
//
// Start runs the binary from CCKM_MOCK_BIN, else cckm-mock on PATH, else this repository's build,
// on a free port with a manual clock and a throwaway store; t.Cleanup stops it. With CCKM_MOCK_URL
// set it attaches to that server instead. Only the standard library is used.
package cckmmock
