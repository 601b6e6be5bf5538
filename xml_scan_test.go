package loyalty

import (
	"bytes"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestXMLScannerEdgeCases: each thing encoding/xml checks, inside a
// VirtPOS answer, is accepted or refused as encoding/xml does it, and
// the accepted ones decode to the reference decoder's customers. (The
// same bodies seed FuzzXMLScannerAgrees.)
func TestXMLScannerEdgeCases(t *testing.T) {
	for _, body := range xmlEdgeSeeds {
		ref := refDecode(t, []byte(body))
		for _, stream := range []bool{false, true} {
			got := decodeAll([]byte(body), stream, 3, "")
			if (ref.err == nil) != (got.err == nil) {
				t.Errorf("%q (stream %v):\nreference %+v\nscanner   %+v; want (ref.err == nil) == (got.err == nil)", body, stream, ref, got)
			} else if ref.err == nil && !reflect.DeepEqual(ref, got) {
				t.Errorf("%q (stream %v):\nreference %+v\nscanner   %+v; want !(ref.err == nil && !reflect.DeepEqual(ref, got))", body, stream, ref, got)
			}
		}
	}
}

// TestXMLScannerSyntaxErrorIsTyped: what encoding/xml refuses as a
// syntax error is an *xml.SyntaxError with a line, never a panic or a
// silent zero value.
func TestXMLScannerSyntaxErrorIsTyped(t *testing.T) {
	body := "<root>\n<success>1</success>\n<customers><customer><id>1</id>\n<fname>a &bogus; b</fname></customer></customers></root>"
	got := decodeAll([]byte(body), false, 0, "")
	var se *xml.SyntaxError
	if !errors.As(got.err, &se) || se.Line != 4 || len(got.customers) != 0 {
		t.Fatalf("got %+v (%T), want an *xml.SyntaxError on line 4 and no customer", got, got.err)
	}
}

// TestXMLScannerLongTokens: a text, CDATA section, comment, attribute
// value or directive longer than the streaming window decodes as in
// memory and as the reference does.
func TestXMLScannerLongTokens(t *testing.T) {
	long := strings.Repeat("Ж&amp;\r\n", xmlWindow/4)
	for name, field := range map[string]string{
		"text":      "<fname>" + long + "</fname>",
		"cdata":     "<fname><![CDATA[" + long + "]]></fname>",
		"comment":   "<fname>a<!--" + long + "-->b</fname>",
		"attribute": `<fname x="` + long + `">c</fname>`,
		"directive": "<fname>d<!DOCTYPE x '" + long + "'>e</fname>",
	} {
		body := []byte("<root><success>1</success><customers><customer><id>1</id>" + field + "</customer></customers></root>")
		ref := refDecode(t, body)
		for _, chunk := range []int{7, 1000, 1 << 20} {
			got := decodeAll(body, true, chunk, "")
			if ref.err != nil {
				t.Errorf("%s, chunks of %d: reference %v, scanner %v (%d customers); want ref.err == nil", name, chunk, ref.err, got.err, len(got.customers))
			} else if !reflect.DeepEqual(ref, got) {
				t.Errorf("%s, chunks of %d: reference %v, scanner %v (%d customers); want reflect.DeepEqual(ref, got)", name, chunk, ref.err, got.err, len(got.customers))
			}
		}
	}
}

// TestXMLDecodeAllocatesOncePerCustomer: a page of customers costs one
// allocation per customer (the string all its texts share) plus a fixed
// few, against ≈ 150 per customer through encoding/xml's tokens.
func TestXMLDecodeAllocatesOncePerCustomer(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><root><success>1</success><count>200</count><customers>`)
	for range 200 {
		b.WriteString("<customer>\n\t<id>1</id><fname>Сергей</fname><email/><phone>+79161000001</phone>" +
			"<custom_information>очень &amp; требовательный</custom_information></customer>\n")
	}
	b.WriteString("</customers></root>")
	body := b.Bytes()
	n := 0
	d := customerDecoder{yield: func(*customerWire) bool { n++; return true }}
	allocs := testing.AllocsPerRun(20, func() {
		if err := d.decodeBytes(body, "text/xml"); err != nil {
			t.Fatal(err)
		}
	})
	if n == 0 || allocs > 200+4 {
		t.Fatalf("%v allocations for 200 customers, want at most 204", allocs)
	}
}

// refDecode is decodeAll(body, false, 0, "") with the reference decoder.
func refDecode(t *testing.T, body []byte) decoded {
	t.Helper()
	var out decoded
	d := customerDecoder{yield: func(w *customerWire) bool {
		out.customers = append(out.customers, *w)
		return true
	}}
	out.err = d.refDecodeBytes(body, "")
	out.st, out.count = d.st, d.count
	return out
}
