package loyalty

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/charmap"
)

func cp1251(t testing.TB, s string) string {
	t.Helper()
	b, err := charmap.Windows1251.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func koi8r(t testing.TB, s string) string {
	t.Helper()
	b, err := charmap.KOI8R.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type charsetCase struct {
	name, contentType, body string
	u                       undeclared
	want                    string // UTF-8 text, when no error
	wantErr                 string // substring of the *CharsetError, "" for none
	offset                  int64  // the error's offset
}

func charsetCases(t testing.TB) []charsetCase {
	ru := "Клиент не найден"
	decl := func(enc, body string) string {
		return `<?xml version="1.0" encoding="` + enc + `"?><info>` + body + `</info>`
	}
	return []charsetCase{
		{name: "utf-8 undeclared", body: ru, want: ru},
		{name: "ascii undeclared strict", body: "abc", u: refuseNonUTF8, want: "abc"},
		{name: "1251 undeclared guessed", body: cp1251(t, ru), want: ru},
		{name: "1251 undeclared refused", body: "ok " + cp1251(t, ru), u: refuseNonUTF8, wantErr: "undeclared charset: invalid UTF-8", offset: 3},
		{name: "content-type windows-1251", contentType: "text/xml; charset=windows-1251", body: cp1251(t, ru), u: refuseNonUTF8, want: ru},
		{name: "content-type cp1251 quoted", contentType: `application/json; charset="CP1251"`, body: cp1251(t, ru), u: refuseNonUTF8, want: ru},
		{name: "content-type koi8-r", contentType: "text/plain;charset=koi8-r", body: koi8r(t, ru), want: ru},
		{name: "content-type utf8", contentType: "application/json; charset=utf8", body: ru, want: ru},
		{name: "content-type malformed", contentType: "text/xml;; charset=windows-1251", body: cp1251(t, ru), want: ru},
		{name: "xml decl windows-1251", body: decl("windows-1251", cp1251(t, ru)), u: refuseNonUTF8, want: decl("windows-1251", ru)},
		{name: "xml decl utf8", body: decl("utf8", ru), u: refuseNonUTF8, want: decl("utf8", ru)},
		{name: "xml decl single quotes", body: `<?xml version='1.0' encoding='cp1251'?><a>` + cp1251(t, ru) + `</a>`, want: `<?xml version='1.0' encoding='cp1251'?><a>` + ru + `</a>`},
		{name: "content-type wins over xml decl", contentType: "text/xml; charset=utf-8", body: decl("windows-1251", ru), want: decl("windows-1251", ru)},
		{name: "bom wins over content-type", contentType: "text/xml; charset=windows-1251", body: "\ufeff" + ru, want: "\ufeff" + ru},
		{name: "utf-8 labelled windows-1251", contentType: "text/xml; charset=windows-1251", body: ru, u: refuseNonUTF8, want: ru},
		{name: "unknown charset", contentType: "text/xml; charset=x-martian", body: "abc", wantErr: "charset x-martian: unknown charset", offset: -1},
		{name: "declared utf-8 invalid", contentType: "application/json; charset=utf-8", body: "ab\xffc", wantErr: "charset utf-8: invalid UTF-8", offset: 2},
		{name: "cut rune at end", contentType: "text/plain; charset=utf-8", body: "ab\xd0", wantErr: "invalid UTF-8", offset: 2},
		{name: "empty", body: "", u: refuseNonUTF8, want: ""},
	}
}

func checkCharsetResult(t *testing.T, c charsetCase, got []byte, err error) {
	t.Helper()
	if c.wantErr != "" {
		var ce *CharsetError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.wantErr) || ce.Offset != c.offset {
			t.Fatalf("err = %v, want *CharsetError %q at offset %d", err, c.wantErr, c.offset)
		}
		return
	}
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	if string(got) != c.want {
		t.Fatalf("got %q, want %q", got, c.want)
	}
}

func TestToUTF8(t *testing.T) {
	for _, c := range charsetCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got, err := toUTF8([]byte(c.body), c.contentType, c.u)
			checkCharsetResult(t, c, got, err)
		})
	}
}

func TestUTF8Reader(t *testing.T) {
	for _, c := range charsetCases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, wrap := range []func(io.Reader) io.Reader{
				func(r io.Reader) io.Reader { return r },
				iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader,
			} {
				r, err := utf8Reader(wrap(strings.NewReader(c.body)), c.contentType, c.u)
				var got []byte
				if err == nil {
					got, err = io.ReadAll(r)
				}
				checkCharsetResult(t, c, got, err)
			}
		})
	}
}

// A stream decided UTF-8 by its start fails where it turns invalid, and a
// sequence cut across reads is not mistaken for an invalid one.
func TestUTF8ReaderLateInvalid(t *testing.T) {
	valid := strings.Repeat("ж", charsetHead) // 2 bytes a rune: past the examined head
	for _, u := range []undeclared{guess1251, refuseNonUTF8} {
		r, err := utf8Reader(iotest.OneByteReader(strings.NewReader(valid+"\xff")), "", u)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		var ce *CharsetError
		if !errors.As(err, &ce) || ce.Offset != int64(len(valid)) {
			t.Fatalf("err = %v, want *CharsetError at %d", err, len(valid))
		}
		if !bytes.HasPrefix([]byte(valid), got) {
			t.Fatalf("handed out bytes that are not the valid prefix; want bytes.HasPrefix([]byte(valid), got)")
		} else if bytes.ContainsRune(got, 0xfffd) {
			t.Fatalf("handed out bytes that are not the valid prefix; want !bytes.ContainsRune(got, 0xfffd)")
		}
	}
	r, err := utf8Reader(iotest.OneByteReader(strings.NewReader(valid+"🙂")), "", refuseNonUTF8)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil {
		t.Fatalf("split runes: %v; want err == nil", err)
	} else if string(got) != valid+"🙂" {
		t.Fatalf("split runes: %v; want string(got) == valid + \"🙂\"", err)
	}
}

// The charset checks agree with unicode/utf8 on every input.
func FuzzUTF8Reader(f *testing.F) {
	f.Add([]byte("abc"), uint8(1))
	f.Add([]byte("ж\xd0"), uint8(2))
	f.Add([]byte("\xf0\x9f\x99\x82\xff"), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, chunk uint8) {
		valid := bytes.Equal(b, bytes.ToValidUTF8(b, nil)) // utf8.Valid, by another route
		r := &utf8Checker{r: &chunkReader{b: b, n: int(chunk%7) + 1}}
		got, err := io.ReadAll(r)
		if valid != (err == nil) {
			t.Fatalf("valid=%v, err=%v", valid, err)
		}
		if err == nil && !bytes.Equal(got, b) {
			t.Fatalf("changed the bytes")
		}
		var ce *CharsetError
		if err != nil && (!errors.As(err, &ce) || ce.Offset < 0 || ce.Offset > int64(len(b))) {
			t.Fatalf("err = %v", err)
		}
		if _, terr := toUTF8(b, "text/plain; charset=utf-8", refuseNonUTF8); (terr == nil) != valid {
			t.Fatalf("toUTF8 disagrees: %v", terr)
		}
	})
}

// chunkReader hands out b n bytes at a time.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}
