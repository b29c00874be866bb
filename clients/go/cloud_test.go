package cckmmock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cckm-mock/cckmmock"
)

func startSync(t *testing.T, mock *cckmmock.Server) {
	t.Helper()
	request, _ := http.NewRequest("POST", mock.URL+awsJobs, strings.NewReader(`{"kms":["kms"]}`))
	request.Header.Set("Authorization", "Bearer "+mock.Token(t, "root"))
	answer, err := mock.HTTPClient().Do(request)
	if err != nil {
		t.Fatal(err)
	}
	answer.Body.Close()
	if answer.StatusCode != 201 {
		t.Fatalf("start: %d", answer.StatusCode)
	}
	mock.Settle(t)
}

func TestTheInventoryFollowsTheCloudAtEachSync(t *testing.T) {
	mock := cckmmock.Start(t)
	kept := mock.AddCloudKey(t, cckmmock.Object{"region": "us-east-1", "alias": "kept"})["KeyId"].(string)
	removed := mock.AddCloudKey(t, cckmmock.Object{"region": "us-east-1", "alias": "removed"})["KeyId"].(string)
	startSync(t, mock)
	mock.RemoveCloudKey(t, removed)
	mock.ChangeCloudKey(t, kept, cckmmock.Object{"parameters": cckmmock.Object{"KeyState": "Disabled"}})
	startSync(t, mock)
	for _, tc := range []struct {
		name    string
		filters url.Values
		want    string
	}{
		{"a removed key is gone", url.Values{"gone": {"true"}}, removed},
		{"a changed key is updated", url.Values{"keystate": {"Disabled"}}, kept},
		{"found by its alias", url.Values{"alias": {"alias/kept"}}, kept},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found := mock.Keys(t, "root", tc.filters)
			if len(found) != 1 || found[0]["aws_param"].(map[string]any)["KeyID"] != tc.want {
				t.Fatalf("%v: %v, want only %s", tc.filters, found, tc.want)
			}
		})
	}
}

func TestAnAzureKeyArrivesOneRecordPerVersion(t *testing.T) {
	mock := cckmmock.Start(t)
	const vault = "keyvault-softkeys::12e533dd-b5c2-4e58-a264-0cd812dc5a34"
	mock.AddCloudRecord(t, "azure/keys", cckmmock.Object{"vault": vault, "name": "orders"})
	latest := mock.AddCloudRecord(t, "azure/keys", cckmmock.Object{"vault": vault, "name": "orders"})["id"].(string)
	request, _ := http.NewRequest("POST", mock.URL+"/api/v1/cckm/azure/synchronization-jobs", strings.NewReader(`{"key_vaults":["`+vault+`"]}`))
	request.Header.Set("Authorization", "Bearer "+mock.Token(t, "root"))
	answer, err := mock.HTTPClient().Do(request)
	if err != nil || answer.StatusCode != 201 {
		t.Fatalf("start: %v %v", answer, err)
	}
	answer.Body.Close()
	mock.Settle(t)
	for _, tc := range []struct {
		name    string
		filters url.Values
		want    int
	}{
		{"every version", url.Values{"key_name": {"orders"}}, 2},
		{"the latest", url.Values{"key_name": {"orders"}, "version": {"-1"}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if found := mock.Records(t, "azure/keys", "root", tc.filters); len(found) != tc.want {
				t.Fatalf("%v: %d records, want %d: %v", tc.filters, len(found), tc.want, found)
			}
		})
	}
	newest := mock.Records(t, "azure/keys", "root", url.Values{"version": {"-1"}})[0]
	kid := newest["azure_param"].(map[string]any)["key"].(map[string]any)["kid"].(string)
	if !strings.HasSuffix(kid, "/orders/"+latest) {
		t.Fatalf("the latest version's kid: %s, want it to end in %s", kid, latest)
	}
}
