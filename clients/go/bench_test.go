package cckmmock_test

import (
	"sort"
	"testing"
	"time"

	"github.com/cckm-mock/cckmmock"
)

// BenchmarkClientTest is what one client test pays with the kit, as scripts/bench measures each
// kit: reset, token, start, advance, wait, verify. It reports the per-test median and p99.
//
//	go test -run '^$' -bench ClientTest -benchtime 1000x
func BenchmarkClientTest(b *testing.B) {
	mock := cckmmock.Start(b)
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		began := time.Now()
		mock.Reset(b)
		job := startJob(b, mock, awsJobs, `{"kms":["kms"]}`)["id"].(string)
		mock.Advance(b, 30)
		if got := mock.Wait(b, job, "done")["overall_status"]; got != "completed" {
			b.Fatalf("status %v", got)
		}
		mock.Verify(b, 1, cckmmock.Matcher{Method: "POST", Body: map[string]any{"kms": []string{"kms"}}})
		durations = append(durations, time.Since(began))
	}
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "ms-median/test")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "ms-p99/test")
}
