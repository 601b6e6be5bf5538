package cassette

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzRead: any input is either refused with a *LineError or read into
// exchanges that write back and read again unchanged; never a panic.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"method":"GET","path":"/api/customer","query":{"apikey":["REDACTED"]},"status":200,"response_body":"<root/>"}` + "\n"))
	f.Add([]byte(`{"method":"POST","path":"/x","status":200,"body":{"base64":"/w=="}}` + "\n\n{"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		exs, err := Read(bytes.NewReader(in), "f")
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error without a line: %v; want errors.As(err, &le)", err)
			} else if le.Line < 1 {
				t.Fatalf("error without a line: %v; want le.Line >= 1", err)
			}
			return
		}
		var buf bytes.Buffer
		for i := range exs {
			line, err := encodeLine(&exs[i])
			if err != nil {
				t.Fatalf("encode %d: %v", i, err)
			}
			buf.Write(line)
		}
		again, err := Read(&buf, "f")
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, buf.Bytes())
		}
		for i := range exs {
			exs[i].Line, again[i].Line = 0, 0
			if !reflect.DeepEqual(normal(exs[i]), normal(again[i])) {
				t.Fatalf("exchange %d changed:\n%#v\n%#v", i, exs[i], again[i])
			}
		}
	})
}

// normal makes empty and nil bodies and maps compare equal.
func normal(e Exchange) Exchange {
	if len(e.Body) == 0 {
		e.Body = nil
	}
	if len(e.ResponseBody) == 0 {
		e.ResponseBody = nil
	}
	if len(e.Query) == 0 {
		e.Query = nil
	}
	if len(e.Header) == 0 {
		e.Header = nil
	}
	if len(e.ResponseHeader) == 0 {
		e.ResponseHeader = nil
	}
	return e
}
