package loyalty_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// TestCRMAnswerClassification holds every case of how a CRM answer is
// read: a result, an empty list for a missing or null one, a *CRMError
// for a non-empty errors array whatever the status, and an *APIError
// saying what is wrong with anything else.
func TestCRMAnswerClassification(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM(loyalty.WithoutRetries())
	ctx := context.Background()
	regions := func() (int, bool, error) {
		rs, err := crm.Directory.Regions(ctx)
		return len(rs), rs != nil, err
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string // "" a result; "crm" a *CRMError; else an *APIError whose text holds it
	}{
		{"a list", 200, `{"errors":[],"regions":[{"region_id":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","name":"Москва"}]}`, ""},
		{"a missing list is empty", 200, `{"errors":[]}`, ""},
		{"a null list is empty", 200, `{"errors":null,"regions":null}`, ""},
		{"errors with 200", 200, `{"errors":[{"code":10010,"description":"x"}],"regions":[]}`, "crm"},
		{"errors with 500", 500, `{"errors":[{"code":10010,"description":"x"}]}`, "crm"},
		{"not JSON with 200", 200, `<html>Bad Gateway</html>`, "response is not a JSON object"},
		{"an array with 200", 200, `[]`, "response is not a JSON object"},
		{"not JSON with 502", 502, `<html>Bad Gateway</html>`, "HTTP 502"},
		{"no errors with 404", 404, `{"errors":[]}`, "HTTP 404"},
		{"an undecodable errors array", 200, `{"errors":"oops","regions":[]}`, "undecodable errors array"},
		{"an undecodable result", 200, `{"errors":[],"regions":"Москва"}`, `decoding "regions"`},
		{"a number too long", 200, `{"errors":[],"regions":[],"n":` + strings.Repeat("9", 100) + `}`, "digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.Fail(mock.Fault{API: mock.CRMAPI, Path: "/GetRegions", Status: tc.status, Body: tc.body, ContentType: "application/json"})
			defer srv.ClearFaults()
			n, nonNil, err := regions()
			var ce *loyalty.CRMError
			var ae *loyalty.APIError
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want the regions", err)
			case tc.want == "" && !nonNil:
				t.Fatalf("got a nil list, want an empty or full one")
			case tc.want == "" && tc.name == "a list" && n != 1:
				t.Fatalf("got %d regions, want 1", n)
			case tc.want == "crm" && !errors.As(err, &ce):
				t.Fatalf("got %v (%T), want a *CRMError", err, err)
			case tc.want == "crm" && ce.Operation != "GetRegions":
				t.Fatalf("CRMError.Operation is %q, want GetRegions", ce.Operation)
			case tc.want != "" && tc.want != "crm" && !errors.As(err, &ae):
				t.Fatalf("got %v (%T), want an *APIError", err, err)
			case tc.want != "" && tc.want != "crm" && errors.As(err, new(*loyalty.CRMError)):
				t.Fatalf("got a *CRMError %v, want a plain *APIError", err)
			case tc.want != "" && tc.want != "crm" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
	// A single result missing or null is an *APIError naming the field.
	for _, body := range []string{`{"errors":[]}`, `{"errors":[],"contact":null}`} {
		srv.Fail(mock.Fault{API: mock.CRMAPI, Path: "/GetByContactId", Status: 200, Body: body, ContentType: "application/json"})
		c, err := crm.Contacts.Get(ctx, mock.CRMContactID)
		srv.ClearFaults()
		if c != nil || !errors.As(err, new(*loyalty.APIError)) || !strings.Contains(err.Error(), `the response has no "contact"`) {
			t.Errorf("%s: got %v, %v; want no contact and an *APIError saying the response has no \"contact\"", body, c, err)
		}
	}
}
