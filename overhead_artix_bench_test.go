package loyalty_test

// The Artix case of BenchmarkOverhead: addClient through the SDK and the
// raw clients (best, naive, floor).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// rawArtixDo sends req with the headers field clients send (JSON
// Content-Type and Accept: docs/artix-field-notes.md).
func rawArtixDo(hc *http.Client, req *http.Request) (*http.Response, error) {
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return hc.Do(req)
}

// rawArtixReply sends req (rawArtixDo) and checks the reply is 200 with
// result ok.
func rawArtixReply(hc *http.Client, req *http.Request, naive bool) error {
	resp, err := rawArtixDo(hc, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var reply struct {
		Result string `json:"result"`
	}
	if err := decodeRaw(resp.Body, naive, &reply); err != nil {
		return err
	}
	if resp.StatusCode != 200 || reply.Result != "ok" {
		return fmt.Errorf("HTTP %d %q", resp.StatusCode, reply.Result)
	}
	return nil
}

const artixOK = `{"success":true,"result":"ok","applied":1}`

func benchArtixOverhead(b *testing.B, tr string) {
	answer := func(*http.Request) []byte { return []byte(artixOK) }
	var hc *http.Client
	var dials *dialCounter
	base := "http://artix.test"
	if tr == "mem" {
		hc = &http.Client{Transport: newMemTransport("application/json", answer)}
	} else {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, artixOK)
		}))
		b.Cleanup(hs.Close)
		base = hs.URL
		hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
		dials = new(dialCounter)
	}
	ax, err := loyalty.NewArtix(base, loyalty.WithHTTPClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if dials != nil {
		ctx = dials.ctx(ctx)
	}
	c := benchArtixCustomer(4)
	floorBody, err := json.Marshal([]rawArtixCommand{{Command: "addClient", Client: rawArtixFromCustomer(c)}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("artix-add", func(b *testing.B) {
		compare(b, dials, overheadK(tr, 1),
			variant{"sdk", func() error { return ax.Customers.Add(ctx, c) }},
			variant{"best", func() error { return rawArtixPost(ctx, hc, base, c, false) }},
			variant{"naive", func() error { return rawArtixPost(ctx, hc, base, c, true) }},
			variant{"floor", func() error {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawArtixLoadURL(base), bytes.NewReader(floorBody))
				if err != nil {
					return err
				}
				resp, err := rawArtixDo(hc, req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				_, err = io.Copy(io.Discard, resp.Body)
				return err
			}},
		)
	})
}

// rawArtixPost is the hand-written addClient: the command marshalled from
// a typed struct, the reply decoded with a json.Decoder (best) or
// io.ReadAll and json.Unmarshal (naive).
func rawArtixPost(ctx context.Context, hc *http.Client, base string, c loyalty.ArtixCustomer, naive bool) error {
	body, err := json.Marshal([]rawArtixCommand{{Command: "addClient", Client: rawArtixFromCustomer(c)}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawArtixLoadURL(base), bytes.NewReader(body))
	if err != nil {
		return err
	}
	return rawArtixReply(hc, req, naive)
}

// rawArtixLoadURL is the load URL a field client posts a batch to: with
// a dictionaryid unique per batch (epoch seconds with a fraction), as the
// SDK sends, so every variant puts the same request on the wire.
func rawArtixLoadURL(base string) string {
	us := time.Now().UnixMicro()
	return base + artixwire.LoadDictsPath + "?dictionaryid=" + strconv.FormatInt(us/1e6, 10) + "." + fmt.Sprintf("%06d", us%1e6)
}

func benchArtixCustomer(i int) loyalty.ArtixCustomer {
	return loyalty.ArtixCustomer{
		ID: fmt.Sprint(i), FirstName: "Пётр", LastName: "Петров", MiddleName: "Петрович",
		Gender: new(loyalty.ArtixGenderMale), BirthDate: "1966-05-20", Email: "petrov@example.ru",
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
	MiddleName       string `json:"patronymic"`
	Text             string `json:"text"`
	Gender           int    `json:"sex"`
	BirthDate        string `json:"birthday"`
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
	r := rawArtixClient{IDClient: c.ID, Name: c.FirstName, LastName: c.LastName, MiddleName: c.MiddleName,
		BirthDate: string(c.BirthDate), ZipCode: c.ZipCode, Address: c.Address, Email: c.Email, Occupation: c.Occupation,
		SubscriptionAdj: "1"}
	r.Options.SendCheckToEmail, r.Options.EmailConfirmed = 1, 1
	return r
}
