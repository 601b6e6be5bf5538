package loyalty

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBody: a body is read whole whatever its announced length says
// (small bodies take their own path), and a read error is returned.
func TestReadBody(t *testing.T) {
	body := `{"result":"ok","applied":1}`
	for _, tc := range []struct {
		name string
		r    io.Reader
		cl   int64
		want string
	}{
		{"exact", strings.NewReader(body), int64(len(body)), body},
		{"byte by byte", iotest.OneByteReader(strings.NewReader(body)), int64(len(body)), body},
		{"data with EOF", iotest.DataErrReader(strings.NewReader(body)), int64(len(body)), body},
		{"longer than announced", strings.NewReader(body + strings.Repeat("x", 1000)), 3, body + strings.Repeat("x", 1000)},
		{"shorter than announced", strings.NewReader("ab"), 10, "ab"},
		{"unknown length", strings.NewReader(body), -1, body},
		{"large", strings.NewReader(strings.Repeat("y", 5000)), 5000, strings.Repeat("y", 5000)},
	} {
		got, err := readBody(tc.r, tc.cl, 1<<20)
		if err != nil {
			t.Errorf("%s: %q %v; want err == nil", tc.name, got, err)
		} else if string(got) != tc.want {
			t.Errorf("%s: %q %v; want string(got) == tc.want", tc.name, got, err)
		}
	}
	boom := errors.New("boom")
	if _, err := readBody(iotest.ErrReader(boom), 5, 1<<20); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
	if _, err := readBody(strings.NewReader(body), 2<<20, 1<<20); !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
}
