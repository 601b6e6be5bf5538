package mock

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// malformedCase is one malformed request and what its answer must say.
type malformedCase struct {
	name        string
	api         API
	method      string
	path        string // with the query; "{key}" is the VirtPOS apikey
	contentType string
	body        string
	want        string // in the answer's body (case-insensitive)
}

var malformedCases = []malformedCase{
	// admin
	{"fault: not JSON", ArtixAPI, "POST", "/_mock/faults", "application/json", `{"api":`, "json"},
	{"fault: empty body", ArtixAPI, "POST", "/_mock/faults", "application/json", ``, "empty"},
	{"fault: an array", ArtixAPI, "POST", "/_mock/faults", "application/json", `[]`, "array"},
	{"fault: wrong type", ArtixAPI, "POST", "/_mock/faults", "application/json", `{"status":"500"}`, "status"},
	{"fault: wrong type of times", ArtixAPI, "POST", "/_mock/faults", "application/json", `{"times":1.5}`, "times"},
	{"fault: unknown field", ArtixAPI, "POST", "/_mock/faults", "application/json", `{"staus":500}`, "staus"},
	{"fault: two objects", ArtixAPI, "POST", "/_mock/faults", "application/json", `{"status":500} {"status":502}`, "after"},
	{"fault: callbacks of wrong type", ArtixAPI, "POST", "/_mock/faults", "application/json", `{"callbacks":{"cashes":"x"}}`, "cashes"},
	{"fault: unknown callbacks field", ArtixAPI, "POST", "/_mock/faults", "application/json", `{"callbacks":{"nope":1}}`, "nope"},
	{"fault: oversized", ArtixAPI, "POST", "/_mock/faults", "application/json", `{"body":"` + strings.Repeat("x", 2<<20) + `"}`, "too large"},
	{"faults: wrong method", ArtixAPI, "PUT", "/_mock/faults", "", ``, "GET, POST, DELETE"},
	{"reset: wrong method", ArtixAPI, "GET", "/_mock/reset", "", ``, "POST"},
	{"state: wrong method", VirtPOSAPI, "POST", "/_mock/state", "", ``, "GET, PUT"},
	{"health: wrong method", VirtPOSAPI, "DELETE", "/_mock/health", "", ``, "GET"},
	{"requests: wrong method", VirtPOSAPI, "POST", "/_mock/requests", "", ``, "GET"},
	{"requests: unknown api", VirtPOSAPI, "GET", "/_mock/requests?api=pos", "", ``, "pos"},
	{"requests: bad query", VirtPOSAPI, "GET", "/_mock/requests?api=%zz", "", ``, "query"},
	{"state: not JSON", CRMAPI, "PUT", "/_mock/state", "application/json", `{"virtpos":`, "json"},
	{"state: empty", CRMAPI, "PUT", "/_mock/state", "application/json", ``, "empty"},
	{"state: wrong type", CRMAPI, "PUT", "/_mock/state", "application/json", `{"virtpos":{"customers":5}}`, "customers"},
	{"state: unknown api", CRMAPI, "PUT", "/_mock/state", "application/json", `{"pos":{}}`, "pos"},
	{"state: an array", CRMAPI, "PUT", "/_mock/state", "application/json", `[1]`, "array"},
	{"no endpoint", ArtixAPI, "GET", "/_mock/nothing", "", ``, "no admin endpoint"},
	{"tenant: not JSON", ArtixAPI, "POST", "/_mock/tenants", "application/json", `{"name":`, "json"},
	{"tenant: unknown field", ArtixAPI, "POST", "/_mock/tenants", "application/json", `{"nmae":"a"}`, "nmae"},
	{"tenant: wrong type", ArtixAPI, "POST", "/_mock/tenants", "application/json", `{"name":5}`, "name"},
	{"tenant: control characters", ArtixAPI, "POST", "/_mock/tenants", "application/json", `{"name":"a\u0000b"}`, "control"},
	{"tenant: oversized", ArtixAPI, "POST", "/_mock/tenants", "application/json", `{"name":"` + strings.Repeat("x", 8<<10) + `"}`, "too large"},
	{"tenants: wrong method", ArtixAPI, "PUT", "/_mock/tenants", "", ``, "GET, POST"},
	{"tenant: unknown", ArtixAPI, "DELETE", "/_mock/tenants/t999", "", ``, "t999"},
	{"tenant: wrong method", ArtixAPI, "POST", "/_mock/tenants/t1", "", ``, "GET, DELETE"},
	{"scoped to an unknown tenant", VirtPOSAPI, "GET", "/_mock/requests?tenant=t999", "", ``, "t999"},

	// VirtPOS
	{"virtpos: bad form", VirtPOSAPI, "POST", "/api/customer?apikey={key}", "application/x-www-form-urlencoded", `a=%zz`, "form"},
	{"virtpos: bad query", VirtPOSAPI, "GET", "/api/customer?apikey={key}&x=%zz", "", ``, "query"},
	{"virtpos: wrong method", VirtPOSAPI, "DELETE", "/api/customer?apikey={key}", "", ``, "GET, POST"},
	{"virtpos: oversized form", VirtPOSAPI, "POST", "/api/customer/update?apikey={key}", "application/x-www-form-urlencoded", "id=1&fname=" + strings.Repeat("x", 11<<20), "too large"},
	{"virtpos: unknown path", VirtPOSAPI, "GET", "/api/nothing?apikey={key}", "", ``, "not found"},

	// CRM
	{"crm: body not JSON", CRMAPI, "POST", "/CreateContact", "application/json", `{"commercial_firm_id":`, "json"},
	{"crm: body an array", CRMAPI, "POST", "/CreateContact", "application/json", `[1]`, "object"},
	{"crm: body not JSON type", CRMAPI, "POST", "/CreateContact", "text/plain", `{}`, "application/json"},
	{"crm: oversized body", CRMAPI, "POST", "/CreateContact", "application/json", `{"commercial_firm_id":"firm-1","contact":{"last_name":"` + strings.Repeat("x", 2<<20) + `"}}`, "too large"},
	{"crm: wrong type", CRMAPI, "POST", "/CreateContact", "application/json", `{"commercial_firm_id":"firm-1","contact":5,"communication":{}}`, "contact"},
	{"crm: firm of wrong type", CRMAPI, "GET", "/GetRegions?commercial_firm_id={%22a%22:1}", "", ``, "commercial_firm_id"},
	{"crm: bad guid", CRMAPI, "GET", "/GetByContactId?commercial_firm_id=firm-1&contact_id=nope", "", ``, "contact_id"},
	{"crm: bad JSON in query", CRMAPI, "GET", "/FindContactInfo?commercial_firm_id=firm-1&filter={bad", "", ``, "filter"},
	{"crm: bad query", CRMAPI, "GET", "/GetRegions?commercial_firm_id=firm-1&x=%zz", "", ``, "query"},
	{"crm: wrong method", CRMAPI, "DELETE", "/GetRegions", "", ``, "GET"},
	{"crm: unknown method", CRMAPI, "GET", "/Nothing", "", ``, "Nothing"},

	// Artix
	{"artix: not JSON", ArtixAPI, "POST", "/aifexchange/loaddicts", "application/json", `[{"command":`, "json"},
	{"artix: empty", ArtixAPI, "POST", "/aifexchange/loaddicts", "application/json", ``, "json"},
	{"artix: an object", ArtixAPI, "POST", "/aifexchange/loaddicts", "application/json", `{}`, "array"},
	{"artix: a number", ArtixAPI, "POST", "/aifexchange/loaddicts", "application/json", `5`, "array"},
	{"artix: unknown command", ArtixAPI, "POST", "/aifexchange/loaddicts", "application/json", `[{"command":"no pe"}]`, "no pe"},
	{"artix: wrong type", ArtixAPI, "POST", "/aifexchange/loaddicts", "application/json", `[{"command":"addClient","client":5}]`, "client"},
	{"artix: trailing data", ArtixAPI, "POST", "/aifexchange/loaddicts", "application/json", `[] []`, "after"},
	{"artix: bad query", ArtixAPI, "POST", "/aifexchange/loaddicts?shopcode=%zz", "application/json", `[]`, "query"},
	{"artix: wrong method", ArtixAPI, "GET", "/aifexchange/loaddicts", "", ``, "POST"},
	{"csrest: bad page", ArtixAPI, "GET", "/CSrest/rest/dictionaries/clients/bypage?page=x", "", ``, "page"},
	{"csrest: bad size", ArtixAPI, "GET", "/CSrest/rest/dictionaries/clients/bypage?size=-1", "", ``, "size"},
	{"csrest: unknown page parameter", ArtixAPI, "GET", "/CSrest/rest/dictionaries/clients/bypage?pageNumber=2", "", ``, "pageNumber"},
	{"csrest: bad id", ArtixAPI, "GET", "/CSrest/rest/dictionaries/clients/id/", "", ``, "idclient"},
	{"csrest: wrong method", ArtixAPI, "PUT", "/CSrest/rest/dictionaries/clients", "", ``, "GET, POST"},
	{"csrest: client not JSON", ArtixAPI, "POST", "/CSrest/rest/dictionaries/clients", "application/json", `{"idclient":`, "JSON"},
	{"csrest: client without idclient", ArtixAPI, "POST", "/CSrest/rest/dictionaries/clients", "application/json", `{"name":"x"}`, "idclient"},
}

// TestMalformedInputIsA4xxThatSaysWhy: every admin endpoint and the three
// APIs answer malformed input (bad JSON, wrong types, unknown fields, bad
// query values, a wrong method, an oversized body) with a 4xx whose body
// names what is wrong; never a 5xx, never a dropped connection.
func TestMalformedInputIsA4xxThatSaysWhy(t *testing.T) {
	srv := NewServer(t)
	clients := map[API]*http.Client{VirtPOSAPI: http.DefaultClient, ArtixAPI: http.DefaultClient, CRMAPI: crmClient(srv)}
	bases := map[API]string{VirtPOSAPI: srv.VirtPOSURL, CRMAPI: srv.CRMURL, ArtixAPI: srv.ArtixURL}
	for _, tc := range malformedCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(srv.ClearFaults) // a fault wrongly installed must not answer the next case
			path := strings.ReplaceAll(tc.path, "{key}", srv.APIKey)
			req, err := http.NewRequest(tc.method, bases[tc.api]+path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := clients[tc.api].Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode < 400 || resp.StatusCode > 499 || !strings.Contains(strings.ToLower(string(b)), strings.ToLower(tc.want)) {
				t.Errorf("HTTP %d %.300s, want a 4xx saying %q", resp.StatusCode, b, tc.want)
			}
		})
	}
}
