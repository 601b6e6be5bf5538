package loyalty_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// CustomerQuery.Cards and Bonuses: the read parameters the VirtPOS docs
// added in 2020 (true/false, default false), and the customer's nested
// blocks they bring, whose shape is undocumented: kept as sent, never a
// decode failure.

func TestCustomerQueryCardsAndBonusesOnTheWire(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	if _, err := vp.Customers.List(ctxT(t), &loyalty.CustomerQuery{ID: 1, Cards: true, Bonuses: true}); err != nil {
		t.Fatal(err)
	}
	q := srv.Requests()[0].Query
	if q.Get("cards") != "true" || q.Get("bonuses") != "true" {
		t.Errorf("query %v, want cards=true and bonuses=true", q)
	}
	if _, err := vp.Customers.List(ctxT(t), &loyalty.CustomerQuery{ID: 1}); err != nil {
		t.Fatal(err)
	}
	if q := srv.Requests()[1].Query; q.Has("cards") || q.Has("bonuses") {
		t.Errorf("query %v, want neither cards nor bonuses (the server's default is false)", q)
	}
}

// The mock's cards block (its guess at the shape), read back through
// RawBlock.Decode into a caller's own type, in both formats, buffered and
// streamed.
func TestCustomerCardsBlockFromTheMock(t *testing.T) {
	type card struct {
		UID    string `xml:"uid" json:"uid"`
		Medium string `xml:"medium" json:"medium"`
	}
	for _, f := range []loyalty.Format{loyalty.FormatXML, loyalty.FormatJSON} {
		t.Run(string(f), func(t *testing.T) {
			srv := mock.NewServer(t)
			var owner int64
			var want []string
			for _, c := range srv.VirtPOSCards() {
				if owner == 0 {
					owner = c.CustomerID
				}
				if c.CustomerID == owner {
					want = append(want, c.UID)
				}
			}
			vp := srv.VirtPOS(loyalty.WithFormat(f))
			page, err := vp.Customers.List(ctxT(t), &loyalty.CustomerQuery{ID: owner, Cards: true, Bonuses: true})
			if err != nil {
				t.Fatalf("List: %+v, %v; want err == nil", page, err)
			} else if len(page.Customers) != 1 {
				t.Fatalf("List: %+v, %v; want len(page.Customers) == 1", page, err)
			}
			c := page.Customers[0]
			if c.Cards.Format != f || !c.Bonuses.Sent() {
				t.Fatalf("cards %+v, bonuses %+v: want both sent, in %s", c.Cards, c.Bonuses, f)
			}
			var got []card
			if f == loyalty.FormatXML {
				var v struct {
					Cards []card `xml:"card"`
				}
				err = c.Cards.Decode(&v)
				got = v.Cards
			} else {
				err = c.Cards.Decode(&got)
			}
			if err != nil {
				t.Fatalf("Decode: %v (data %q)", err, c.Cards.Data)
			}
			if len(got) != len(want) || len(got) == 0 || got[0].UID != want[0] || got[0].Medium == "" {
				t.Errorf("cards %+v, want the uids %v with their media", got, want)
			}
			for c, err := range vp.Customers.Stream(ctxT(t), &loyalty.CustomerQuery{ID: owner, Cards: true}) {
				if err != nil || c.Cards != page.Customers[0].Cards {
					t.Errorf("streamed cards %+v, %v; want those of List", c.Cards, err)
				}
			}
		})
	}
}

// Blocks of any shape decode, and a block large enough to span many
// windows of the streaming scanners comes out whole, the same as from a
// buffered read.
func TestCustomerRawBlocksOfAnyShape(t *testing.T) {
	big := strings.Repeat(`<card><uid>1</uid><note>&amp; &lt;x&gt; «ё»</note></card>`, 5000)
	bigJSON := "[" + strings.Repeat(`{"uid":"1","note":"\u00ab\"x\""},`, 5000) + `{}]`
	cases := []struct {
		name, body, cards, bonuses string
		format                     loyalty.Format
	}{
		{"xml element list", `<root><success>1</success><customers><customer><id>1</id><cards><card><uid>5</uid></card></cards><bonuses>120.50</bonuses></customer></customers></root>`,
			"<card><uid>5</uid></card>", "120.50", loyalty.FormatXML},
		{"xml empty", `<root><success>1</success><customers><customer><id>1</id><cards/><bonuses></bonuses></customer></customers></root>`,
			"", "", loyalty.FormatXML},
		{"xml attributes and comments", `<root><success>1</success><customers><customer><id>1</id><cards n="2"> <card a="b"/> <!-- x --></cards></customer></customers></root>`,
			` <card a="b"/> `, "-", loyalty.FormatXML},
		{"xml large", `<root><success>1</success><customers><customer><id>1</id><cards>` + big + `</cards></customer></customers></root>`,
			big, "-", loyalty.FormatXML},
		{"json array and object", `{"success":1,"customers":[{"id":1,"cards":[{"uid":"5","n":[1,{"x":null}]}],"bonuses":{"total":"1.5"}}]}`,
			`[{"uid":"5","n":[1,{"x":null}]}]`, `{"total":"1.5"}`, loyalty.FormatJSON},
		{"json scalars", `{"success":1,"customers":[{"id":1,"CARDS":null,"Bonuses":"0"}]}`,
			"null", `"0"`, loyalty.FormatJSON},
		{"json large", `{"success":1,"customers":[{"id":1,"cards":` + bigJSON + `}]}`,
			bigJSON, "-", loyalty.FormatJSON},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := &scriptedTransport{resps: []func(*http.Request) *http.Response{func(r *http.Request) *http.Response {
				return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r, Body: io.NopCloser(&slowReader{s: tc.body, n: 777})}
			}}}
			vp, err := loyalty.NewVirtPOS("http://virtpos.example", "k", loyalty.WithHTTPClient(&http.Client{Transport: tr}))
			if err != nil {
				t.Fatal(err)
			}
			page, err := vp.Customers.List(ctxT(t), nil)
			if err != nil {
				t.Fatalf("List: %+v, %v; want err == nil", page, err)
			} else if len(page.Customers) != 1 {
				t.Fatalf("List: %+v, %v; want len(page.Customers) == 1", page, err)
			}
			streamed := []loyalty.Customer{}
			for c, err := range vp.Customers.Stream(ctxT(t), nil) {
				if err != nil {
					t.Fatalf("Stream: %v", err)
				}
				streamed = append(streamed, c)
			}
			for how, c := range map[string]loyalty.Customer{"List": page.Customers[0], "Stream": streamed[0]} {
				if c.Cards.Format != tc.format || c.Cards.Data != tc.cards {
					t.Errorf("%s: cards %s %.80q (%d bytes), want %s %.80q (%d bytes)", how, c.Cards.Format, c.Cards.Data, len(c.Cards.Data), tc.format, tc.cards, len(tc.cards))
				}
				if tc.bonuses == "-" {
					if c.Bonuses.Sent() {
						t.Errorf("%s: bonuses %+v, want none", how, c.Bonuses)
					}
				} else if c.Bonuses.Format != tc.format || c.Bonuses.Data != tc.bonuses {
					t.Errorf("%s: bonuses %+v, want %q", how, c.Bonuses, tc.bonuses)
				}
			}
		})
	}
}

// slowReader hands out s n bytes at a time.
type slowReader struct {
	s string
	n int
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.n)], r.s)
	r.s = r.s[k:]
	return k, nil
}

// A block that was not sent decodes nothing; an XML block decodes as the
// content of one element.
func TestRawBlockDecode(t *testing.T) {
	var v struct {
		XMLName xml.Name
		Total   string `xml:"total"`
	}
	if err := (loyalty.RawBlock{}).Decode(&v); err != nil || v.Total != "" {
		t.Errorf("unsent block: %+v, %v; want nothing decoded", v, err)
	}
	if err := (loyalty.RawBlock{Format: loyalty.FormatXML, Data: "<total>1.5</total>"}).Decode(&v); err != nil || v.Total != "1.5" {
		t.Errorf("xml block: %+v, %v; want total 1.5", v, err)
	}
}

// TestCustomerRawBlockKeepsItsAttributes: the attributes of a cards
// element are kept as sent, beside its content (whose children keep
// theirs), so the block written back as the element is the element the
// server sent, and Decode sees them as encoding/xml reads them: in
// either order, escaped, with the namespaces declared on the element.
func TestCustomerRawBlockKeepsItsAttributes(t *testing.T) {
	type child struct {
		ID  string `xml:"id,attr"`
		XID string `xml:"urn:x id,attr"`
	}
	type cards struct {
		N     string  `xml:"n,attr"`
		Kind  string  `xml:"kind,attr"`
		Note  string  `xml:"note,attr"`
		Src   string  `xml:"urn:x src,attr"`
		Cards []child `xml:",any"`
	}
	pad := `<custom_information>` + strings.Repeat("x", 70<<10) + `</custom_information>`
	cases := []struct {
		name, element, attrs string
		before               string // customer fields before the block
		want                 cards
	}{
		{"two attributes", `<cards n="2" kind='plastic'><card id="5"/><card id="6">t</card></cards>`,
			` n="2" kind='plastic'`, "", cards{N: "2", Kind: "plastic", Cards: []child{{ID: "5"}, {ID: "6"}}}},
		{"the other order", `<cards kind='plastic' n="2"><card id="5"/></cards>`,
			` kind='plastic' n="2"`, "", cards{N: "2", Kind: "plastic", Cards: []child{{ID: "5"}}}},
		{"escaped values", `<cards note="a &amp; b &lt;c&gt; &#1046; &quot;q&quot;"><card id="&apos;1&apos;"/></cards>`,
			` note="a &amp; b &lt;c&gt; &#1046; &quot;q&quot;"`, "", cards{Note: `a & b <c> Ж "q"`, Cards: []child{{ID: "'1'"}}}},
		{"namespaces", `<cards xmlns:x="urn:x" x:src="erp"><x:card x:id="7"/></cards>`,
			` xmlns:x="urn:x" x:src="erp"`, "", cards{Src: "erp", Cards: []child{{ID: "7", XID: "7"}}}}, // "id,attr" takes any name space's id, as encoding/xml does
		{"self-closing, space before />", `<cards n="1" />`, ` n="1" `, "", cards{N: "1"}},
		{"self-closing", `<cards n="0"/>`, ` n="0"`, "", cards{N: "0"}},
		{"white space in the tag", "<cards\n\tn=\"2\"\n\tkind=\"v\"\n><card id=\"1\"/></cards>",
			"\n\tn=\"2\"\n\tkind=\"v\"\n", "", cards{N: "2", Kind: "v", Cards: []child{{ID: "1"}}}},
		{"none", `<cards><card id="1"/></cards>`, "", "", cards{Cards: []child{{ID: "1"}}}},
		{"after a window of text", `<cards n="3"><card id="9"/></cards>`, ` n="3"`, pad, cards{N: "3", Cards: []child{{ID: "9"}}}},
	}
	srv := mock.NewServer(t)
	vp := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatXML))
	for _, tc := range cases {
		body := `<root><success>1</success><customers><customer><id>1</id>` + tc.before + tc.element + `</customer></customers></root>`
		serve(srv, body, "text/xml")
		page, err := vp.Customers.List(ctxT(t), nil)
		if err != nil {
			t.Fatalf("%s: List: %v; want no error", tc.name, err)
		}
		serve(srv, body, "text/xml")
		var streamed []loyalty.Customer
		for c, err := range vp.Customers.Stream(ctxT(t), nil) {
			if err != nil {
				t.Fatalf("%s: Stream: %v; want no error", tc.name, err)
			}
			streamed = append(streamed, c)
		}
		if len(page.Customers) != 1 || len(streamed) != 1 {
			t.Fatalf("%s: %d customers listed, %d streamed; want 1 and 1", tc.name, len(page.Customers), len(streamed))
		}
		for how, c := range map[string]loyalty.Customer{"List": page.Customers[0], "Stream": streamed[0]} {
			b := c.Cards
			if b.Attrs != tc.attrs {
				t.Errorf("%s, %s: Attrs %q; want %q", tc.name, how, b.Attrs, tc.attrs)
			}
			written := "<cards" + b.Attrs + ">" + b.Data + "</cards>"
			if b.Data == "" {
				written = "<cards" + b.Attrs + "/>"
			}
			if written != tc.element {
				t.Errorf("%s, %s: written back as %q; want the element as sent, %q", tc.name, how, written, tc.element)
			}
			var got cards
			if err := b.Decode(&got); err != nil {
				t.Errorf("%s, %s: Decode: %v; want no error", tc.name, how, err)
			} else if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s, %s: Decode: %+v; want %+v", tc.name, how, got, tc.want)
			}
		}
	}
}
