package cassette

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// echoForms are the ways a server or proxy echoes s that the request
// core of package loyalty already hides (internal/redact): a tape must
// hide them too.
func echoForms(s string) map[string]string {
	var dec, decBare strings.Builder
	for _, r := range s {
		fmt.Fprintf(&dec, "&#%d;", r)
		fmt.Fprintf(&decBare, "&#%d", r)
	}
	once := url.QueryEscape(s)
	return map[string]string{
		"lower-case percent-encoding": strings.ToLower(once),
		"double percent-encoding":     url.QueryEscape(once),
		"upper-cased":                 strings.ToUpper(s),
		"decimal entities":            dec.String(),
		"decimal entities without ;":  decBare.String(),
		"base64 alone":                base64.StdEncoding.EncodeToString([]byte(s)),
	}
}

func TestRecorderRedactsEchoedFormsLikeTheCore(t *testing.T) {
	const learned = "qkey/Lärn:Secret"
	for name, form := range echoForms(learned) {
		t.Run(name, func(t *testing.T) {
			ex := &Exchange{
				Method:         "GET",
				Path:           "/api/customer",
				Query:          url.Values{"apikey": {learned}},
				Header:         http.Header{},
				ResponseHeader: http.Header{"X-Echo": {form}},
				ResponseBody:   Body("<info>bad key " + form + "</info>"),
			}
			var rd redactor
			rd.redact(ex)
			text := string(ex.ResponseBody) + strings.Join(ex.ResponseHeader["X-Echo"], "")
			if strings.Contains(text, form) {
				t.Errorf("the tape keeps the %s echo %q: %s", name, form, text)
			}
			if !strings.Contains(text, Redacted) {
				t.Errorf("want %s in place of the echo, got %s", Redacted, text)
			}
		})
	}
}

func TestRecorderRedactsCommercialFirmIDByDefault(t *testing.T) {
	const firm = "firm-Tenant-42"
	ex := &Exchange{
		Method:       "GET",
		Path:         "/api/GetRegions",
		Query:        url.Values{"commercial_firm_id": {firm}},
		Header:       http.Header{},
		ResponseBody: Body(`{"errors":[{"description":"firm ` + firm + ` unknown"}]}`),
	}
	var rd redactor
	rd.redact(ex)
	if got := ex.Query.Get("commercial_firm_id"); got != Redacted {
		t.Errorf("commercial_firm_id on tape: want %s, got %q", Redacted, got)
	}
	if strings.Contains(string(ex.ResponseBody), firm) {
		t.Errorf("the answer keeps the firm id: %s", ex.ResponseBody)
	}
}
