package loyalty

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-querystring/query"
)

// Fuzz targets. `bash .ci/run` runs each for a few seconds; run one longer
// with, e.g.,
//
//	go test -run '^$' -fuzz '^FuzzVirtPOSEnvelope$' -fuzztime 10m .
//
// Seeds are the specs' samples (testdata/) plus the tolerant forms the
// protocol notes promise. A crash is saved under testdata/fuzz/<Target>/
// and replays as a regression case in every plain `go test`.

// addFiles seeds f with every file matching pattern.
func addFiles(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatalf("no seed files match %s (%v); want err == nil", pattern, err)
	} else if len(files) == 0 {
		f.Fatalf("no seed files match %s (%v); want len(files) != 0", pattern, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzVirtPOSEnvelope decodes any body as a VirtPOS answer, XML or JSON:
// it never panics, and every customer it yields converts or fails with an
// error; a decoded result envelope re-decodes the same.
func FuzzVirtPOSEnvelope(f *testing.F) {
	addFiles(f, "testdata/virtpos/*.xml")
	for _, s := range []string{
		`{"success":1,"count":"1","customers":[{"id":"11","fname":"Пётр","accumulated_sales":"12,50","send_sms":"yes","register_date":"0000-00-00 00:00:00"}]}`,
		`{"success":"1","customers":{"customer":{"id":1}}}`,
		`{"success":1,"customers":{"customer":[{"id":1},{"id":2}]}}`,
		`{"success":1,"customers":null}`,
		`{"success":1,"customers":""}`,
		`{"success":0,"info":"Клиент не найден"}`,
		`{"success":1,"id":"42","isnew":"1"}`,
		"\ufeff<?xml version=\"1.0\"?><root><success>1</success><customers><customer><id>1</id><email/></customer></customers></root>",
		`<root><success>0</success><info>Card not found</info></root>`,
		`<html><body>502 Bad Gateway</body></html>`,
		`{"success":1,"id":5,"Success":0}`,
		`<root><success>1</success><id>5</id><Success>0</Success></root>`,
		`<root><success>1</success><customers><customer><success>0</success></customer></customers></root>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d := customerDecoder{yield: func(w *customerWire) bool {
			_, _ = w.customer()
			return true
		}}
		lerr := d.decodeBytes(body, "")
		_, _ = d.st.ok()
		env, err := decodeResult(body, "")
		if errors.Is(lerr, errRepeatedVerdict) && err == nil {
			t.Fatalf("the list decoder refuses a repeated verdict (%v), decodeResult takes it: %+v; want both to refuse", lerr, env)
		}
		if err != nil {
			return
		}
		again, err := decodeResult(body, "")
		if err != nil {
			t.Fatalf("decodeResult is not deterministic: %+v / %+v, %v; want err == nil", env, again, err)
		} else if !reflect.DeepEqual(env, again) {
			t.Fatalf("decodeResult is not deterministic: %+v / %+v, %v; want reflect.DeepEqual(env, again)", env, again, err)
		}
		_, _ = parseInt("id", env.ID)
		_, _ = parseBool("isnew", env.IsNew)
	})
}

// FuzzCRMResponse decodes any body as each CRM answer: no panic, and what
// decodes re-encodes to JSON that decodes to the same value (dates,
// decimals, enums, nulls and the errors array survive a round trip).
func FuzzCRMResponse(f *testing.F) {
	addFiles(f, "testdata/crm/*.json")
	for _, s := range []string{
		`{"contact":{"birth_date":"/Date(1357048800000+0300)/","gender_code":"unknown-value"},"cards":null}`,
		`{"contact":{"birth_date":"1990-05-09 00:00:00.1234567+0300"},"cards":[{"balance":12345678901234567890.123456789,"status":"active"}]}`,
		`{"errors":[{"code":99999,"description":""}]}`,
		`[{"discount":1e308,"date_from":"2024-01-01","date_to":"2024-01-01T00:00:00Z"}]`,
	} {
		f.Add([]byte(s))
	}
	roundTrip := func(t *testing.T, body []byte, v any) {
		if json.Unmarshal(body, v) != nil {
			return
		}
		enc, err := json.Marshal(v)
		if err != nil {
			return // e.g. a float the encoder refuses; decoding it was fine
		}
		fresh := reflect.New(reflect.TypeOf(v).Elem()).Interface()
		if err := json.Unmarshal(enc, fresh); err != nil {
			t.Fatalf("%T: re-decoding our own encoding %s: %v", v, enc, err)
		}
		enc2, err := json.Marshal(fresh)
		if err != nil {
			t.Fatalf("%T: the round trip is not stable:\n%s\n%s (%v); want err == nil", v, enc, enc2, err)
		} else if !bytes.Equal(enc, enc2) {
			t.Fatalf("%T: the round trip is not stable:\n%s\n%s (%v); want bytes.Equal(enc, enc2)", v, enc, enc2, err)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		roundTrip(t, body, &ContactInfo{})
		roundTrip(t, body, &[]SalesOutlet{})
		roundTrip(t, body, &[]PersonalCampaign{})
		roundTrip(t, body, &[]CRMErrorDetail{})
		var env struct {
			Errors []CRMErrorDetail `json:"errors"`
		}
		if json.Unmarshal(body, &env) == nil && len(env.Errors) > 0 {
			e := &CRMError{Operation: "X", Errors: env.Errors}
			_ = e.Error()
			_ = errors.Is(e, ErrNotFound)
		}
	})
}

// FuzzCRMTime parses any datetime: what parses re-encodes in the form it
// came in and parses back to the same instant.
func FuzzCRMTime(f *testing.F) {
	for _, s := range []string{
		"2017-06-01T12:30:00", "2017-06-01T12:30:00.1234567", "2017-06-01T12:30:00+03:00", "2017-06-01T12:30:00Z",
		"2017-06-01 12:30:00+0300", "2017-06-01", "/Date(1357048800000)/", "/Date(1357048800000+0300)/", "/Date(-1)/", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ct, err := ParseCRMTime(s)
		if err != nil {
			return
		}
		b, err := ct.MarshalJSON()
		if err != nil {
			return
		}
		var back CRMTime
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("%q encodes as %s, which does not parse: %v", s, b, err)
		}
		if !back.Equal(ct.Time) {
			t.Fatalf("%q: %v after a round trip through %s, want %v", s, back.Time, b, ct.Time)
		}
	})
}

// FuzzMSISDN: a normalised phone is an E.164 number without its +: 7 to
// 15 digits, not starting with 0, and 11 digits when it is Russian (7…).
// Normalising it again in international form (+ in front) changes
// nothing; a Russian one normalises to itself bare too. (A bare
// international one need not: "84912345678" bare is a Russian 8… number.)
func FuzzMSISDN(f *testing.F) {
	for _, s := range []string{"+7 (916) 123-45-67", "8 926 555-01-02", "9161234567", "79161234567", "+7916", "", "++7", "８９１６１２３４５６７", "7 (495) 000 00 00 ext 12",
		"+375 29 123-45-67", "00375291234567", "+84912345678", "+", "+1000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, phone string) {
		m, err := MSISDN(phone)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%q: want *ValidationError, got %T", phone, err)
			}
			return
		}
		if len(m) < 7 || len(m) > 15 {
			t.Fatalf("%q normalises to %q, not an MSISDN; want 7 to 15 digits", phone, m)
		} else if strings.Trim(m, "0123456789") != "" {
			t.Fatalf("%q normalises to %q, not an MSISDN; want digits only", phone, m)
		} else if m[0] == '0' {
			t.Fatalf("%q normalises to %q, not an MSISDN; want no leading 0", phone, m)
		} else if m[0] == '7' && len(m) != 11 {
			t.Fatalf("%q normalises to %q, not an MSISDN; want 11 digits for a Russian number", phone, m)
		}
		if again, err := MSISDN("+" + m); err != nil {
			t.Fatalf("%q: MSISDN(%q) = %q, %v; want err == nil", phone, "+"+m, again, err)
		} else if again != m {
			t.Fatalf("%q: MSISDN(%q) = %q; want %q", phone, "+"+m, again, m)
		}
		if m[0] == '7' {
			if again, err := MSISDN(m); err != nil || again != m {
				t.Fatalf("%q: MSISDN(%q) = %q, %v; want %q", phone, m, again, err, m)
			}
		}
	})
}

// FuzzEAN13: a barcode is 13 digits with a valid check digit that ends in
// the uid.
func FuzzEAN13(f *testing.F) {
	for _, s := range []string{"1000123", "0", "999999999999", "1234567890123", "", "12a", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uid string) {
		code, err := EAN13(uid)
		if err != nil {
			return
		}
		if !validEAN13(code) {
			t.Fatalf("EAN13(%q) = %q; want validEAN13(code)", uid, code)
		} else if strings.TrimLeft(code[:12], "0") != strings.TrimLeft(uid, "0") {
			t.Fatalf("EAN13(%q) = %q; want strings.TrimLeft(code[:12], \"0\") == strings.TrimLeft(uid, \"0\")", uid, code)
		}
	})
}

// FuzzParamEncoding: whatever strings go into a request come out of the
// wire encoding unchanged: VirtPOS form fields, CRM object parameters in
// JSON and dotted style.
func FuzzParamEncoding(f *testing.F) {
	f.Add("Пётр", "a+b@example.ru", "7770000000002")
	f.Add("a&b=c", "%zz", "\x00\n")
	f.Add(`"}{`, "filter.mobile_phone=1", " ")
	f.Fuzz(func(t *testing.T, name, email, card string) {
		if !utf8.ValidString(name) || !utf8.ValidString(email) || !utf8.ValidString(card) {
			return // JSON would replace invalid bytes; the wire carries text
		}
		// VirtPOS form.
		form, err := encodeValues(&CustomerUpdate{FirstName: &name, Email: &email, ExternalID: &card})
		if err != nil {
			t.Fatal(err)
		}
		back, err := url.ParseQuery(form.Encode())
		if err != nil {
			t.Fatalf("form round trip: %v -> %v (%v); want err == nil", form, back, err)
		} else if back.Get("fname") != name {
			t.Fatalf("form round trip: %v -> %v (%v); want back.Get(\"fname\") == name", form, back, err)
		} else if back.Get("email") != email {
			t.Fatalf("form round trip: %v -> %v (%v); want back.Get(\"email\") == email", form, back, err)
		} else if back.Get("external_id") != card {
			t.Fatalf("form round trip: %v -> %v (%v); want back.Get(\"external_id\") == card", form, back, err)
		}
		// CRM objects.
		filter := ContactFilter{Email: email, CardNumber: card, MobilePhone: name}
		for _, style := range []ParamStyle{ParamsJSON, ParamsDotted} {
			c := &CRM{style: style}
			q, err := query.Values(&crmParams{CommercialFirmID: "firm-1", Filter: c.object(filter)})
			if err != nil {
				t.Fatal(err)
			}
			back, err := url.ParseQuery(q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			var got ContactFilter
			if style == ParamsJSON {
				if err := json.Unmarshal([]byte(back.Get("filter")), &got); err != nil {
					t.Fatalf("filter %q: %v", back.Get("filter"), err)
				}
			} else {
				got = ContactFilter{MobilePhone: back.Get("filter.mobile_phone"), Email: back.Get("filter.email"), CardNumber: back.Get("filter.card_number")}
			}
			if !reflect.DeepEqual(got, filter) {
				t.Fatalf("%v: %+v came back as %+v", style, filter, got)
			}
		}
	})
}

// decoded is what a customers decoder made of a body.
type decoded struct {
	customers []customerWire
	st        status
	count     scalar
	err       error
}

func decodeAll(body []byte, stream bool, chunk int, contentType string) decoded {
	var out decoded
	d := customerDecoder{yield: func(w *customerWire) bool {
		out.customers = append(out.customers, *w)
		return true
	}}
	if stream {
		out.err = d.decodeStream(&chunkReader{b: body, n: chunk}, contentType)
	} else {
		out.err = d.decodeBytes(body, contentType)
	}
	out.st, out.count = d.st, d.count
	return out
}

var virtposSeeds = []string{
	`{"success":1,"count":"1","customers":[{"id":"11","fname":"Пётр","accumulated_sales":"12,50"}]}`,
	`{"success":1,"customers":{"customer":{"id":1}}}`,
	`{"Success":1,"CUSTOMERS":{"count":2,"customer":[{"ID":1},null,{}]}}`,
	`{"customers":[{"id":1}],"success":"1"} `,
	`{"success":1,"customers":[{"id":1,"fname":"\u0416\ud83d\ude42\ud800x"}]} x`,
	`{"success":1,"x":[[[{"a":[1e5,-0.5,true,false,null]}]]],"customers":{"id":"7"}}`,
	`<root><success>1</success><customers><customer><id>1</id><fname><![CDATA[a&b]]></fname><!-- c --></customer></customers></root>`,
	`<?xml version="1.0" encoding="utf8"?><root><customers><customer><id>1</id></customer></customers><success>1</success></root>`,
	"<root><success>1</success><info>\xff</info></root>",
}

// FuzzListAndStreamAgree feeds the same bytes to the buffered decoder
// (List) and the streamed one (All, Stream) read in chunks of every size:
// any difference in the customers, the envelope or whether it is an
// error fails. (Before an error found late in a body, trailing bytes or a
// cut, a stream has handed out the customers before it, as streams do.)
func FuzzListAndStreamAgree(f *testing.F) {
	for _, s := range virtposSeeds {
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(7))
	}
	f.Fuzz(func(t *testing.T, body []byte, chunk uint8) {
		list := decodeAll(body, false, 0, "")
		stream := decodeAll(body, true, int(chunk)+1, "")
		if (list.err == nil) != (stream.err == nil) {
			t.Fatalf("List err %v, Stream err %v", list.err, stream.err)
		}
		if list.err != nil {
			return // List hands out nothing of a body that fails
		}
		if !reflect.DeepEqual(list, stream) {
			t.Fatalf("List %+v\nStream %+v", list, stream)
		}
	})
}

// FuzzStreamJSON: what the streamed JSON decoder accepts is valid JSON,
// and its customers are exactly those the buffered decoder finds.
func FuzzStreamJSON(f *testing.F) {
	for _, s := range virtposSeeds[:6] {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := decodeAll(body, true, 3, "application/json")
		if got.err == nil && !json.Valid(bytes.TrimPrefix(body, bom)) {
			t.Fatalf("accepted invalid JSON")
		}
		for _, w := range got.customers {
			for _, v := range w.v {
				if !utf8.ValidString(string(v)) {
					t.Fatalf("invalid UTF-8 handed out: %q", v)
				}
			}
			_, _ = w.customer()
		}
	})
}

// FuzzStreamXML: the streamed XML decoder never panics, hands out only
// valid UTF-8, and agrees with a plain read of the same bytes.
func FuzzStreamXML(f *testing.F) {
	addFiles(f, "testdata/virtpos/*.xml")
	for _, s := range virtposSeeds[6:] {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := decodeAll(body, true, 5, "text/xml")
		want := decodeAll(body, false, 0, "text/xml")
		if (got.err == nil) != (want.err == nil) {
			t.Fatalf("stream %+v\nbytes %+v; want (got.err == nil) == (want.err == nil)", got, want)
		} else if got.err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("stream %+v\nbytes %+v; want !(got.err == nil && !reflect.DeepEqual(got, want))", got, want)
		}
		for _, w := range got.customers {
			for _, v := range w.v {
				if !utf8.ValidString(string(v)) {
					t.Fatalf("invalid UTF-8 handed out: %q", v)
				}
			}
		}
	})
}

// FuzzXMLTokensAgree holds the decoder's RawToken walk (xmlTokens) to
// encoding/xml's own Token on every input — entities, CDATA, comments,
// attributes, self-closing tags, white space, prefixes, invalid UTF-8,
// mismatched or unclosed tags: the same tokens (kind, local name, text)
// and an error exactly where Token has one.
func FuzzXMLTokensAgree(f *testing.F) {
	addFiles(f, "testdata/virtpos/*.xml")
	for _, s := range virtposSeeds[6:] {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		`<root a="1&amp;2" b='x'><x:c xmlns:x="u">&lt;&#1046;&#x416;</x:c><d/><!-- c --><?pi x?></root>`,
		`<root><a></b></root>`, `<root><a>`, `</a>`, `<a:b></c:b>`, "<r>\xff</r>", `<r>]]></r>`, `<r>&bogus;</r>`,
		`<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>`, `<r><![CDATA[<x>]]></r><r/>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		type tok struct {
			kind  string
			local string
			text  string
		}
		norm := func(tk xml.Token) tok {
			switch v := tk.(type) {
			case xml.StartElement:
				return tok{"start", v.Name.Local, ""}
			case xml.EndElement:
				return tok{"end", v.Name.Local, ""}
			case xml.CharData:
				return tok{"text", "", string(v)}
			}
			return tok{kind: fmt.Sprintf("%T", tk)}
		}
		var want, got []tok
		var werr, gerr error
		std := xml.NewDecoder(bytes.NewReader(body))
		for {
			tk, err := std.Token()
			if err != nil {
				werr = err
				break
			}
			want = append(want, norm(tk))
		}
		raw := &xmlTokens{dec: xml.NewDecoder(bytes.NewReader(body))}
		for {
			tk, err := raw.token()
			if err != nil {
				gerr = err
				break
			}
			got = append(got, norm(tk))
		}
		if (werr == io.EOF) != (gerr == io.EOF) {
			t.Fatalf("Token: %v %+v\nxmlTokens: %v %+v; want (werr == io.EOF) == (gerr == io.EOF)", werr, want, gerr, got)
		} else if !reflect.DeepEqual(want, got) {
			t.Fatalf("Token: %v %+v\nxmlTokens: %v %+v; want reflect.DeepEqual(want, got)", werr, want, gerr, got)
		}
	})
}

// xmlEdgeSeeds are VirtPOS-shaped answers with each thing encoding/xml
// checks inside a customer: entities and character references, CDATA,
// comments, processing instructions, attributes, self-closing tags,
// white space, invalid UTF-8, DOCTYPE, unclosed and mismatched tags,
// "]]>" in text.
var xmlEdgeSeeds = func() []string {
	inner := []string{
		`<fname>&lt;&gt;&amp;&apos;&quot;&#1046;&#x416;&#0065;</fname>`, `<fname>&#X41;</fname>`, `<fname>&#0;</fname>`, `<fname>&#xD800;&#x10FFFF;</fname>`,
		`<fname>&#x110000;</fname>`, `<fname>&bogus;</fname>`, `<fname>&amp</fname>`, `<fname>& x</fname>`, `<fname>&#;</fname>`,
		`<fname><![CDATA[<a>&amp;]]]]><![CDATA[>]]></fname>`, `<fname><![CDATA[x]]>]]></fname>`, `<fname><![CDATA[x</fname>`,
		`<fname>a<!-- c -->b</fname>`, `<fname><!-- a -- b --></fname>`, `<fname><!---></fname>`, `<fname>a<?pi x?>b</fname>`,
		`<fname a="1&amp;2" b='x"' c="&#1;"></fname>`, `<fname a=1></fname>`, `<fname a></fname>`, `<fname a="<"></fname>`,
		`<fname a="x"b="y"/>`, `<email/><phone />`, `<fname / >`, "<fname>\r\n a \r b\t</fname>", "<fname>\xff</fname>",
		"<fname>\xef\xbf\xbe</fname>", "<fname>\x01</fname>", `<fname>a]]>b</fname>`, `<fname>]]&gt;]]]></fname>`,
		`<fname><b>x</b>y</fname>`, `<fname></lname>`, `<fname>`, `<x:fname xmlns:x="u">p</x:fname>`, `<a:b:c/>`,
		`<фамилия>x</фамилия>`, `<1a/>`, `<fname>x</fname >`, `<fname>x</fname x>`, `<!DOCTYPE x [<!ENTITY e "v">]><id>1</id>`,
		`<id>1</id><!DOCTYPE x "'>" <y> <!-- > --> >`, `<fname>&e;</fname>`,
		`<cards n="2" k='v' xmlns:x="u" x:a="&amp;&#1046;"><card a="b" x:b='c'/></cards>`, `<cards n="1" />`,
		`<x:cards xmlns:x="u" a="1">t</x:cards>`, "<bonuses\r\n a=\"1\"\r\n>1</bonuses>", `<cards a="1" a="2"/>`,
	}
	seeds := []string{
		`<?xml version="1.1"?><root><success>1</success></root>`, `<?xml version='1.0' encoding="utf-8"?><root/>`,
		`<!DOCTYPE root><root><success>1</success></root>`, `<root><success>1</success></root><!-- c --><?pi?> `,
		`<root><success>1</success></root>x`, `<root></root><root/>`, `</root>`, `<root><success>1</success>`, ``, ` `,
		`<root><success>0</success><customers/><SUCCESS>1</SUCCESS></root>`, `<root xmlns:v="u"><v:success>1</v:success><success/></root>`,
		"<root>\n<success>1</success>\n<customers count=\"1\">\n<customer id=\"7\">\n<id>7</id>\n</customer>\n</customers>\n</root>\n",
	}
	for _, in := range inner {
		seeds = append(seeds, `<root><success>1</success><customers><customer><id>1</id>`+in+`</customer></customers></root>`)
	}
	return seeds
}()

// FuzzXMLScannerAgrees holds the XML decoder of List, Get, Stream and All
// (xmlScanner) to the reference built on encoding/xml (xml_reference_test.go)
// on every input, in memory and streamed in chunks of every size: the
// same customers, envelope and count, and an error exactly where the
// reference has one. Token by token too: the scanner's start tags, end
// tags and texts are Decoder.Token's, and it fails where Token fails.
func FuzzXMLScannerAgrees(f *testing.F) {
	files, _ := filepath.Glob("testdata/virtpos/*.xml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(3))
	}
	for i, s := range append(virtposSeeds[6:], xmlEdgeSeeds...) {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, body []byte, chunk uint8) {
		want, werr := stdXMLTokens(body)
		got, gerr := scannerTokens(body, int(chunk%16)+1)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("tokens differ\nencoding/xml: %v %q\nxmlScanner:   %v %q; want (werr == nil) == (gerr == nil)", werr, want, gerr, got)
		} else if !slices.Equal(want, got) {
			t.Fatalf("tokens differ\nencoding/xml: %v %q\nxmlScanner:   %v %q; want slices.Equal(want, got)", werr, want, gerr, got)
		}
		var ref decoded
		d := customerDecoder{yield: func(w *customerWire) bool {
			ref.customers = append(ref.customers, *w)
			return true
		}}
		ref.err = d.refDecodeBytes(body, "")
		ref.st, ref.count = d.st, d.count
		for _, got := range []decoded{decodeAll(body, false, 0, ""), decodeAll(body, true, int(chunk)+1, "")} {
			if (ref.err == nil) != (got.err == nil) {
				t.Fatalf("decoders differ\nreference: %+v\nscanner:   %+v; want (ref.err == nil) == (got.err == nil)", ref, got)
			} else if ref.err == nil && !reflect.DeepEqual(ref, got) {
				t.Fatalf("decoders differ\nreference: %+v\nscanner:   %+v; want !(ref.err == nil && !reflect.DeepEqual(ref, got))", ref, got)
			}
		}
	})
}

// stdXMLTokens is Decoder.Token's start tags, end tags and texts of body
// (local names), and nil at a clean end or its error.
func stdXMLTokens(body []byte) ([]string, error) {
	var toks []string
	dec := newXMLDecoder(bytes.NewReader(body))
	for {
		tk, err := dec.Token()
		if err == io.EOF {
			return toks, nil
		}
		if err != nil {
			return toks, err
		}
		switch v := tk.(type) {
		case xml.StartElement:
			toks = append(toks, "<"+v.Name.Local)
		case xml.EndElement:
			toks = append(toks, "/"+v.Name.Local)
		case xml.CharData:
			toks = append(toks, "t"+string(v))
		}
	}
}

// scannerTokens is stdXMLTokens with xmlScanner reading body in chunks.
func scannerTokens(body []byte, chunk int) ([]string, error) {
	var toks []string
	var s xmlScanner
	s.resetReader(&chunkReader{b: body, n: chunk})
	for {
		k, err := s.next()
		if err != nil {
			return toks, err
		}
		switch k {
		case xmlEOF:
			return toks, nil
		case xmlStart:
			toks = append(toks, "<"+string(s.local))
		case xmlEnd:
			toks = append(toks, "/"+string(s.local))
		case xmlText:
			toks = append(toks, "t"+string(s.text))
		}
	}
}
