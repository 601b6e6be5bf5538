package mock

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// crmClient is a raw mTLS client for the CRM side.
func crmClient(s *Server) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: s.RootCAs(), Certificates: []tls.Certificate{s.ClientCertificate()}, MinVersion: tls.VersionTLS12,
	}}}
}

// crmTest is a mock, a client that presents the CRM client certificate,
// and the commercial_firm_id parameter every CRM call carries.
func crmTest(t *testing.T) (*Server, *http.Client, string) {
	srv := NewServer(t)
	return srv, crmClient(srv), "commercial_firm_id=" + srv.CommercialFirmID
}

func crmDo(t *testing.T, c *http.Client, method, u, ctype, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestCRMParameterStylesAccepted(t *testing.T) {
	srv, c, firm := crmTest(t)
	for _, tc := range []struct {
		name, method, query, ctype, body string
		want                             string
	}{
		{"JSON in query", "GET", "/FindContactInfo?" + firm + "&filter=" + url.QueryEscape(`{"mobile_phone":"79161234567"}`), "", "", `"last_name":"Иванова"`},
		{"dotted", "GET", "/FindContactInfo?" + firm + "&filter.email=P.PETROV@example.ru", "", "", `"last_name":"Петров"`},
		{"JSON body", "POST", "/BindPhysicalCard", "application/json",
			`{"commercial_firm_id":"firm-1","card_data":{"contact_id":"` + CRMContact2ID.String() + `","card_number":"` + CRMFreeCardNumber + `"}}`, `"number":"7770000000002"`},
		{"dotted booleans", "POST", "/CreateContact?" + firm + "&new_contact.contact.email=d@example.ru&new_contact.registration.sales_outlet_id=" +
			CRMOutletID.String() + "&new_contact.communication.allow_sms=true&new_contact.communication.allow_email=false&new_contact.communication.allow_phone=false&new_contact.communication.communication_method=phone", "", "", `"contact_id":"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := crmDo(t, c, tc.method, srv.CRMURL+tc.query, tc.ctype, tc.body)
			if status != 200 {
				t.Fatalf("HTTP %d %s; want status == 200", status, body)
			} else if !strings.Contains(body, tc.want) {
				t.Fatalf("HTTP %d %s; want strings.Contains(body, tc.want)", status, body)
			} else if !strings.Contains(body, `"errors":[]`) {
				t.Fatalf("HTTP %d %s; want strings.Contains(body, `\"errors\":[]`)", status, body)
			}
		})
	}
}

func TestCRMBadRequestsAre400WithAReason(t *testing.T) {
	srv, c, firm := crmTest(t)
	for _, tc := range []struct {
		name, method, query, ctype, body string
		status                           int
	}{
		{"unknown method", "GET", "/Nope?" + firm, "", "", 404},
		{"GET for a POST method", "GET", "/CreateContact?" + firm, "", "", 405},
		{"no firm", "GET", "/GetRegions", "", "", 400},
		{"bad JSON filter", "GET", "/FindContactInfo?" + firm + "&filter=" + url.QueryEscape(`{"email":`), "", "", 400},
		{"empty filter", "GET", "/FindContactInfo?" + firm + "&filter=" + url.QueryEscape(`{}`), "", "", 400},
		{"form body", "POST", "/BindPhysicalCard", "application/x-www-form-urlencoded", "card_data=x", 400},
		{"bad guid", "GET", "/GetPersonalCampaignByContact?" + firm + "&contact_id=42", "", "", 400},
		{"not an MSISDN", "POST", "/CreateContact?" + firm + "&new_contact=" + url.QueryEscape(`{"contact":{"mobile_phone":"8916"},"registration":{"sales_outlet_id":"`+CRMOutletID.String()+`"},"communication":{}}`), "", "", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, body := crmDo(t, c, tc.method, srv.CRMURL+tc.query, tc.ctype, tc.body); status != tc.status {
				t.Fatalf("HTTP %d, want %d: %s", status, tc.status, body)
			}
		})
	}
	// A missing card_id is the spec's 10100.
	status, body := crmDo(t, c, "GET", srv.CRMURL+"/GetPersonalCampaignByCard?"+firm, "", "")
	if status != 200 {
		t.Fatalf("HTTP %d %s; want status == 200", status, body)
	} else if !strings.Contains(body, `"code":10100`) {
		t.Fatalf("HTTP %d %s; want strings.Contains(body, `\"code\":10100`)", status, body)
	} else if !strings.Contains(body, `"personal_campaigns":null`) {
		t.Fatalf("HTTP %d %s; want strings.Contains(body, `\"personal_campaigns\":null`)", status, body)
	}
	// An unknown outlet at registration is 10180.
	status, body = crmDo(t, c, "POST", srv.CRMURL+"/CreateContact?"+firm+"&new_contact="+url.QueryEscape(
		`{"contact":{"email":"z@example.ru"},"registration":{"sales_outlet_id":"00000000-0000-4000-8000-000000000009"},"communication":{"allow_email":true,"allow_sms":true,"allow_phone":true}}`), "", "")
	if status != 200 {
		t.Fatalf("HTTP %d %s; want status == 200", status, body)
	} else if !strings.Contains(body, `"code":10180`) {
		t.Fatalf("HTTP %d %s; want strings.Contains(body, `\"code\":10180`)", status, body)
	}
}

func TestCRMSeedDeterministic(t *testing.T) {
	a, b := NewServer(t), NewServer(t)
	get := func(s *Server) string {
		q := "/GetByContactId?commercial_firm_id=firm-1&contact_id=" + CRMContactID.String()
		_, body := crmDo(t, crmClient(s), "GET", s.CRMURL+q, "", "")
		_, errBody := crmDo(t, crmClient(s), "GET", s.CRMURL+"/GetByContactId?commercial_firm_id=firm-1&contact_id=00000000-0000-4000-8000-000000000001", "", "")
		return body + errBody
	}
	ba, bb := get(a), get(b)
	if ba != bb {
		t.Fatalf("seed differs:\n%s\n%s", ba, bb)
	}
	if !strings.Contains(ba, `"balance":12345678901234567890.123456789`) {
		t.Fatalf("seed %s; want strings.Contains(ba, `\"balance\":12345678901234567890.123456789`)", ba)
	} else if !strings.Contains(ba, `"internal_error_id":"`) {
		t.Fatalf("seed %s; want strings.Contains(ba, `\"internal_error_id\":\"`)", ba)
	}
	var env struct {
		Contact struct {
			Cards []json.RawMessage `json:"cards"`
		} `json:"contact"`
	}
	if err := json.Unmarshal([]byte(ba[:strings.Index(ba, "}{")+1]), &env); err != nil {
		t.Fatalf("%v %s; want err == nil", err, ba)
	} else if len(env.Contact.Cards) != 1 {
		t.Fatalf("%v %s; want len(env.Contact.Cards) == 1", err, ba)
	}
}

func TestServerCRMPanicsOnBadOption(t *testing.T) {
	srv := NewServer(t)
	defer func() {
		if r := recover(); r == nil {
			t.Fatalf("recover() = %v; want r != nil", r)
		} else if !strings.Contains(r.(string), "WithRetry") {
			t.Fatalf("recover() = %v; want strings.Contains(r.(string), \"WithRetry\")", r)
		}
	}()
	srv.CRM(loyalty.WithRetry(-1, 0, 0))
}
