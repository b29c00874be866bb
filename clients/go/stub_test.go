package cckmmock_test

import (
	"testing"

	"github.com/cckm-mock/cckmmock"
)

func TestAStubAnswersAnEndpointTheMockDoesNotModel(t *testing.T) {
	mock := cckmmock.Start(t)
	get := func(t *testing.T) int { return statusOf(t, mock, "/api/v1/vault/keys2") }
	t.Run("stubbed", func(t *testing.T) {
		mock.Stub(t, cckmmock.Object{
			"request":  cckmmock.Object{"method": "GET", "urlPath": "/api/v1/vault/keys2"},
			"response": cckmmock.Object{"status": 200, "jsonBody": cckmmock.Object{"total": 0}},
		})
		if status := get(t); status != 200 {
			t.Fatalf("stubbed: %d, want 200", status)
		}
		if stubs := mock.Stubs(t); len(stubs) != 1 {
			t.Fatalf("stubs: %v, want one", stubs)
		}
	})
	if status := get(t); status != 404 {
		t.Fatalf("after the subtest's cleanup: %d, want 404", status)
	}
}
