package loyalty_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// BenchmarkOverhead runs the same request against the same loopback
// server through the SDK and through a minimal hand-written client
// (net/http + encoding/xml or encoding/json, decoding into the same Go
// values), interleaved, and reports sdk/raw ratios of time and
// allocations. Targets: time-ratio <= 1.10, allocs-ratio <= 1.5.
func BenchmarkOverhead(b *testing.B) {
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		one := makeCustomerBody(f, 1, 2, 1).bytes(1, f)
		page := makeCustomerBody(f, 1, 51, 50).bytes(1, f)
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("apikey") != "k" {
				http.Error(w, "apikey", http.StatusForbidden)
				return
			}
			body := page
			if r.URL.Query().Get("id") != "" {
				body = one
			}
			w.Write(body)
		}))
		b.Cleanup(hs.Close)
		vp, err := loyalty.NewVirtPOS(hs.URL, "k", loyalty.WithFormat(f))
		if err != nil {
			b.Fatal(err)
		}
		raw := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
		var dials dialCounter
		ctx := dials.ctx(context.Background())

		b.Run("virtpos-get-"+string(f), func(b *testing.B) {
			pair(b, &dials, func() error {
				c, err := vp.Customers.Get(ctx, 1)
				if err == nil && c.ID != 1 {
					err = fmt.Errorf("got %d", c.ID)
				}
				return err
			}, func() error {
				cs, err := rawVirtPOSList(ctx, raw, hs.URL, f, url.Values{"id": {"1"}})
				if err == nil && (len(cs) != 1 || cs[0].ID != 1) {
					err = fmt.Errorf("got %d", len(cs))
				}
				return err
			})
		})
		b.Run("virtpos-list50-"+string(f), func(b *testing.B) {
			q := &loyalty.CustomerQuery{Page: 1, PageSize: 50}
			pair(b, &dials, func() error {
				p, err := vp.Customers.List(ctx, q)
				if err == nil && len(p.Customers) != 50 {
					err = fmt.Errorf("got %d", len(p.Customers))
				}
				return err
			}, func() error {
				cs, err := rawVirtPOSList(ctx, raw, hs.URL, f, url.Values{"page": {"1"}, "page_size": {"50"}})
				if err == nil && len(cs) != 50 {
					err = fmt.Errorf("got %d", len(cs))
				}
				return err
			})
		})
	}

	b.Run("crm-get-mtls", func(b *testing.B) {
		m, err := mock.NewInMemory(mock.Config{})
		if err != nil {
			b.Fatal(err)
		}
		// The mock's real answer, served statically over mutual TLS.
		rec := httptest.NewRecorder()
		m.Handler(mock.CRMAPI).ServeHTTP(rec, httptest.NewRequest(http.MethodGet,
			"/GetByContactId?commercial_firm_id="+m.CommercialFirmID+"&contact_id="+mock.CRMContactID.String(), nil))
		body := rec.Body.Bytes()
		hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}))
		hs.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: m.RootCAs(), MinVersion: tls.VersionTLS12}
		hs.StartTLS()
		b.Cleanup(hs.Close)
		roots := x509.NewCertPool()
		roots.AddCert(hs.Certificate())
		crm, err := loyalty.NewCRM(hs.URL, m.CommercialFirmID,
			loyalty.WithClientCertificate(m.ClientCertificate()), loyalty.WithRootCAs(roots))
		if err != nil {
			b.Fatal(err)
		}
		raw := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{
			Certificates: []tls.Certificate{m.ClientCertificate()}, RootCAs: roots, MinVersion: tls.VersionTLS12,
		}}}
		var dials dialCounter
		ctx := dials.ctx(context.Background())
		pair(b, &dials, func() error {
			c, err := crm.Contacts.Get(ctx, mock.CRMContactID)
			if err == nil && c.Contact.ContactID != mock.CRMContactID {
				err = errors.New("wrong contact")
			}
			return err
		}, func() error {
			q := url.Values{"commercial_firm_id": {m.CommercialFirmID}, "contact_id": {mock.CRMContactID.String()}}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+"/GetByContactId?"+q.Encode(), nil)
			if err != nil {
				return err
			}
			req.Header.Set("Accept", "application/json")
			resp, err := raw.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var env struct {
				Contact *loyalty.ContactInfo     `json:"contact"`
				Errors  []loyalty.CRMErrorDetail `json:"errors"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				return err
			}
			if resp.StatusCode != 200 || len(env.Errors) > 0 || env.Contact == nil || env.Contact.Contact.ContactID != mock.CRMContactID {
				return fmt.Errorf("HTTP %d, %d errors", resp.StatusCode, len(env.Errors))
			}
			return nil
		})
	})

	b.Run("artix-add", func(b *testing.B) {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"result":"ok","applied":1}`)
		}))
		b.Cleanup(hs.Close)
		ax, err := loyalty.NewArtix(hs.URL)
		if err != nil {
			b.Fatal(err)
		}
		raw := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
		var dials dialCounter
		ctx := dials.ctx(context.Background())
		c := benchArtixCustomer(4)
		pair(b, &dials, func() error {
			return ax.Customers.Add(ctx, c)
		}, func() error {
			body, err := json.Marshal([]rawArtixCommand{{Command: "addClient", Client: rawArtixFromCustomer(c)}})
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, hs.URL+loyalty.ArtixLoadDictsPath, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := raw.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var reply struct {
				Result string `json:"result"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
				return err
			}
			if resp.StatusCode != 200 || reply.Result != "ok" {
				return fmt.Errorf("HTTP %d %q", resp.StatusCode, reply.Result)
			}
			return nil
		})
	})
}

// rawCustomer is what a hand-written client decodes a customer into:
// encoding/xml and encoding/json do the conversions they can, the
// timestamps are parsed afterwards.
type rawCustomer struct {
	ID                int64           `xml:"id" json:"id"`
	FName             string          `xml:"fname" json:"fname"`
	LName             string          `xml:"lname" json:"lname"`
	MName             string          `xml:"mname" json:"mname"`
	Age               int             `xml:"age" json:"age"`
	Email             string          `xml:"email" json:"email"`
	Phone             string          `xml:"phone" json:"phone"`
	Gender            string          `xml:"gender" json:"gender"`
	CustomInformation string          `xml:"custom_information" json:"custom_information"`
	BirthDay          int             `xml:"birth_day" json:"birth_day"`
	BirthMonth        int             `xml:"birth_month" json:"birth_month"`
	BirthYear         int             `xml:"birth_year" json:"birth_year"`
	RegisterDate      string          `xml:"register_date" json:"register_date"`
	AccumulatedSales  decimal.Decimal `xml:"accumulated_sales" json:"accumulated_sales"`
	SendPush          int             `xml:"send_push" json:"send_push"`
	SendEmail         int             `xml:"send_email" json:"send_email"`
	SendSMS           int             `xml:"send_sms" json:"send_sms"`
	GroupID           int64           `xml:"group_id" json:"group_id"`
	GroupName         string          `xml:"group_name" json:"group_name"`
	ExternalID        string          `xml:"external_id" json:"external_id"`
	CreatedDate       string          `xml:"created_date" json:"created_date"`
	CreatedBy         int64           `xml:"created_by" json:"created_by"`
	LastUpdateDate    string          `xml:"last_update_date" json:"last_update_date"`
	LastUpdateBy      int64           `xml:"last_update_by" json:"last_update_by"`
}

type rawEnvelope struct {
	Success   int           `xml:"success" json:"success"`
	Info      string        `xml:"info" json:"info"`
	Count     int           `xml:"count" json:"count"`
	Customers []rawCustomer `xml:"customers>customer" json:"customers"`
}

func rawTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.ParseInLocation(loyalty.TimeLayout, s, time.UTC)
	return t
}

func (r *rawCustomer) customer() loyalty.Customer {
	return loyalty.Customer{
		ID: r.ID, FirstName: r.FName, LastName: r.LName, MiddleName: r.MName, Age: r.Age,
		Email: r.Email, Phone: r.Phone, Gender: loyalty.Gender(r.Gender), CustomInformation: r.CustomInformation,
		BirthDay: r.BirthDay, BirthMonth: r.BirthMonth, BirthYear: r.BirthYear,
		RegisterDate: rawTime(r.RegisterDate), AccumulatedSales: r.AccumulatedSales,
		SendPush: r.SendPush == 1, SendEmail: r.SendEmail == 1, SendSMS: r.SendSMS == 1,
		GroupID: r.GroupID, GroupName: r.GroupName, ExternalID: r.ExternalID,
		CreatedDate: rawTime(r.CreatedDate), CreatedBy: r.CreatedBy,
		LastUpdateDate: rawTime(r.LastUpdateDate), LastUpdateBy: r.LastUpdateBy,
	}
}

// rawVirtPOSList is the hand-written VirtPOS read.
func rawVirtPOSList(ctx context.Context, hc *http.Client, base string, f loyalty.Format, q url.Values) ([]loyalty.Customer, error) {
	q.Set("apikey", "k")
	q.Set("format", string(f))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/customer?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env rawEnvelope
	if f == loyalty.FormatJSON {
		err = json.Unmarshal(body, &env)
	} else {
		err = xml.Unmarshal(body, &env)
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 || env.Success != 1 {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, env.Info)
	}
	out := make([]loyalty.Customer, len(env.Customers))
	for i := range env.Customers {
		out[i] = env.Customers[i].customer()
	}
	return out, nil
}

func benchArtixCustomer(i int) loyalty.ArtixCustomer {
	return loyalty.ArtixCustomer{
		ID: fmt.Sprint(i), FirstName: "Пётр", LastName: "Петров", Patronymic: "Петрович",
		Sex: new(loyalty.ArtixMale), Birthday: "1966-05-20", Email: "petrov@example.ru",
		Address: "Ленина 108-46", ZipCode: "656000", Occupation: "Сантехник",
		Subscribed: new(true),
		Options:    &loyalty.ArtixOptions{SendCheckToEmail: new(true), EmailConfirmed: new(true)},
	}
}

// rawArtixClient has the attributes addClient sends.
type rawArtixClient struct {
	IDClient         string `json:"idclient"`
	Name             string `json:"name"`
	LastName         string `json:"lastname"`
	Patronymic       string `json:"patronymic"`
	Text             string `json:"text"`
	Sex              int    `json:"sex"`
	Birthday         string `json:"birthday"`
	SpecialDate1     string `json:"specialdate1"`
	SpecialDate2     string `json:"specialdate2"`
	SpecialDate3     string `json:"specialdate3"`
	SpecialDate1Name string `json:"specialdate1name"`
	SpecialDate2Name string `json:"specialdate2name"`
	SpecialDate3Name string `json:"specialdate3name"`
	ZipCode          string `json:"zipcode"`
	Address          string `json:"address"`
	Email            string `json:"email"`
	WebPage          string `json:"webpage"`
	PhoneNumber      string `json:"phonenumber"`
	INN              string `json:"inn"`
	Document         string `json:"document"`
	OKPO             string `json:"okpo"`
	OKPD             string `json:"okpd"`
	Occupation       string `json:"occupation"`
	ExtendedOptions  string `json:"extendedoptions"`
	OrganizationCode string `json:"organizationcode"`
	SubscriptionAdj  string `json:"subscriptionadj"`
	Options          struct {
		SendCheckToEmail int `json:"sendchecktoemail"`
		EmailConfirmed   int `json:"emailconfirmed"`
	} `json:"options"`
}

type rawArtixCommand struct {
	Client  rawArtixClient `json:"client"`
	Command string         `json:"command"`
}

func rawArtixFromCustomer(c loyalty.ArtixCustomer) rawArtixClient {
	r := rawArtixClient{IDClient: c.ID, Name: c.FirstName, LastName: c.LastName, Patronymic: c.Patronymic,
		Birthday: string(c.Birthday), ZipCode: c.ZipCode, Address: c.Address, Email: c.Email, Occupation: c.Occupation,
		SubscriptionAdj: "1"}
	r.Options.SendCheckToEmail, r.Options.EmailConfirmed = 1, 1
	return r
}
