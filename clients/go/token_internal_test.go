package cckmmock

import (
	"net/http"
	"testing"
	"time"
)

// Issue 31 #16: a JWT kept for the server's life outlived its --token-ttl, and a server shared by
// a package handed out expired tokens. The kit's clock is moved instead of waiting.
func TestTokensAreRenewedHalfWayThroughTheirLifeAndTheRootsOutlivesAReset(t *testing.T) {
	mock := Start(t, WithArgs("--token-ttl", "60", "--auth", "on"))
	now := time.Now()
	mock.now = func() time.Time { return now }
	first := mock.Token(t, "root")
	if again := mock.Token(t, "root"); again != first {
		t.Fatal("a token not half-way through its life was not kept")
	}
	now = now.Add(31 * time.Second)
	renewed := mock.Token(t, "root")
	if renewed == first {
		t.Fatal("a token past half its life was handed out again")
	}
	request, _ := http.NewRequest("GET", mock.URL+"/api/v1/cckm/aws/synchronization-jobs", nil)
	request.Header.Set("Authorization", "Bearer "+renewed)
	answer, err := mock.HTTPClient().Do(request)
	if err != nil || answer.StatusCode != 200 {
		t.Fatalf("the renewed token: %v %v", answer, err)
	}
	answer.Body.Close()
	mock.Reset(t)
	after := mock.Token(t, "root")
	if after != renewed {
		t.Fatal("a reset dropped the root domain's token, which stays good")
	}
	request, _ = http.NewRequest("GET", mock.URL+"/api/v1/cckm/aws/synchronization-jobs", nil)
	request.Header.Set("Authorization", "Bearer "+after)
	answer, err = mock.HTTPClient().Do(request)
	if err != nil || answer.StatusCode != 200 {
		t.Fatalf("the root token after a reset: %v %v", answer, err)
	}
	answer.Body.Close()
}
