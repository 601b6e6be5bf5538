package mock

import (
	"fmt"
	"strings"
	"testing"
)

func TestCompareShapes(t *testing.T) {
	tests := []struct {
		name, rec, mock string
		drifts, notes   []string // "kind path"
	}{
		{"values differ, shape equal", `{"id":"a","n":1,"when":"2017-01-01T00:00:00","errors":[]}`, `{"id":"b","n":2,"when":"2026-11-30T03:00:00","errors":[]}`, nil, nil},
		{"field missing in the mock", `{"a":1,"b":2}`, `{"a":1}`, []string{"missing b"}, nil},
		{"field only the mock sends", `{"a":1}`, `{"a":1,"b":2}`, []string{"extra b"}, nil},
		{"number versus string", `{"a":1}`, `{"a":"1"}`, []string{"type a"}, nil},
		{"null is any type", `{"a":null,"b":"x"}`, `{"a":"x","b":null}`, nil, nil},
		{"object versus scalar reports once", `{"a":{"x":1}}`, `{"a":"x"}`, []string{"type a"}, nil},
		{"array lengths", `{"list":[{"x":1},{"x":2},{"x":3}]}`, `{"list":[]}`, nil, nil},
		{"array element fields", `{"list":[{"x":1}]}`, `{"list":[{"x":1,"y":2},{"x":2,"y":3}]}`, []string{"extra list[].y"}, nil},
		{"optional field in the mock", `{"list":[{"x":1}]}`, `{"list":[{"x":1,"y":2},{"x":2}]}`, nil, []string{"note-optional list[].y"}},
		{"optional field in the recording", `{"list":[{"x":1,"y":2},{"x":1}]}`, `{"list":[{"x":1}]}`, nil, []string{"note-optional list[].y"}},
		{"success value", `{"success":1}`, `{"success":0}`, []string{"value success"}, nil},
		{"error codes, order ignored", `{"errors":[{"code":10010},{"code":10020}]}`, `{"errors":[{"code":10020},{"code":10010}]}`, nil, nil},
		{"an error only the mock answers", `{"errors":[]}`, `{"errors":[{"code":10010}]}`, []string{"error-code errors[].code"}, nil},
		{"an error only the server answered", `{"errors":[{"code":10010}]}`, `{"errors":[]}`, []string{"error-code errors[].code"}, nil},
		{"XML: one element or many", `<root><list><c><id>1</id></c></list></root>`, `<root><list><c><id>1</id></c><c><id>2</id></c></list></root>`, nil, nil},
		{"XML: empty is any", `<root><email/><list></list></root>`, `<root><email>a@b.ru</email><list><c/></list></root>`, nil, nil},
		{"XML: text versus element", `<root><a>1</a></root>`, `<root><a><b>1</b></a></root>`, []string{"type root.a"}, nil},
		{"XML: renamed root", `<response><success>1</success></response>`, `<root><success>1</success></root>`, []string{"missing response", "extra root"}, nil},
		{"XML: attribute", `<root><a id="1"/></root>`, `<root><a/></root>`, []string{"missing root.a@id"}, nil},
		{"XML: windows-1251 declared", "<?xml version=\"1.0\" encoding=\"windows-1251\"?><root><a>\xcf\xe5\xf2\xf0</a></root>", `<root><a>Пётр</a></root>`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := shapeOf([]byte(tt.rec))
			if err != nil {
				t.Fatal(err)
			}
			ms, err := shapeOf([]byte(tt.mock))
			if err != nil {
				t.Fatal(err)
			}
			ds, ns := compareShapes(rs, ms)
			if got, want := kinds(ds), strings.Join(tt.drifts, ", "); got != want {
				t.Errorf("drifts [%s], want [%s]", got, want)
			}
			if got, want := kinds(ns), strings.Join(tt.notes, ", "); got != want {
				t.Errorf("notes [%s], want [%s]", got, want)
			}
		})
	}
}

func kinds(ds []Drift) string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s %s", d.Kind, d.Path))
	}
	return strings.Join(out, ", ")
}

func TestBodyFormat(t *testing.T) {
	for in, want := range map[string]string{
		"": "empty", " \n": "empty", "\xef\xbb\xbf<root/>": "xml", `{"a":1}`: "json", `[1]`: "json",
		`{"a":`: "text", "bad request\n": "text",
	} {
		if got := bodyFormat([]byte(in)); got != want {
			t.Errorf("bodyFormat(%q) = %s, want %s", in, got, want)
		}
	}
}
