package mock

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// A body's shape, for Verify: every path in it ("customers[].email",
// "root.customers.customer.fname") with the kinds of value found there.
// Values themselves are ignored (ids, timestamps, balances and generated
// codes legitimately differ between a real server and the mock) except at
// valuePaths.
type shape struct {
	format string // "json", "xml", "text" or "empty"
	paths  map[string]*pathShape
}

type pathShape struct {
	kinds  map[string]int  // "object", "array", "string", "number", "bool", "null"; XML: "element", "text", "empty"
	n      int             // values at this path
	within int             // parent values that hold it (≤ the parent's n)
	values map[string]bool // scalar values, kept at valuePaths only
}

// valuePaths are where values are compared: the envelope's success flag
// and type, and the CRM's error codes.
var valuePaths = map[string]bool{
	"success": true, "type": true, "errors[].code": true,
	"root.success": true, "root.type": true,
}

// bodyFormat sniffs a body: JSON, XML, empty or other text.
func bodyFormat(b []byte) string {
	b = bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(b) == 0:
		return "empty"
	case b[0] == '<':
		return "xml"
	case b[0] == '{' || b[0] == '[':
		if json.Valid(b) {
			return "json"
		}
	}
	return "text"
}

// shapeOf reads the shape of a body; text and empty bodies have none.
func shapeOf(b []byte) (*shape, error) {
	s := &shape{format: bodyFormat(b), paths: map[string]*pathShape{}}
	switch s.format {
	case "json":
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		s.addJSON("", v)
	case "xml":
		if err := s.addXML(b); err != nil {
			return nil, fmt.Errorf("not XML: %w", err)
		}
	}
	return s, nil
}

func (s *shape) at(path string) *pathShape {
	p := s.paths[path]
	if p == nil {
		p = &pathShape{kinds: map[string]int{}}
		s.paths[path] = p
	}
	return p
}

// add counts one value of kind at path; value is kept at valuePaths.
func (s *shape) add(path, kind, value string) {
	p := s.at(path)
	p.n++
	p.kinds[kind]++
	if valuePaths[path] && kind != "object" && kind != "array" && kind != "element" {
		if p.values == nil {
			p.values = map[string]bool{}
		}
		p.values[value] = true
	}
}

func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func (s *shape) addJSON(path string, v any) {
	switch t := v.(type) {
	case map[string]any:
		s.add(path, "object", "")
		for k, sub := range t {
			child := join(path, k)
			s.at(child).within++
			s.addJSON(child, sub)
		}
	case []any:
		s.add(path, "array", "")
		for _, sub := range t {
			s.at(path+"[]").within++
			s.addJSON(path+"[]", sub)
		}
	case string:
		s.add(path, "string", t)
	case json.Number:
		s.add(path, "number", t.String())
	case bool:
		s.add(path, "bool", fmt.Sprint(t))
	case nil:
		s.add(path, "null", "null")
	}
}

// xmlNode is an element of an XML body.
type xmlNode struct {
	name     string
	attrs    []string
	children []*xmlNode
	text     strings.Builder
}

// addXML reads an XML document. Repeated elements of one name are one
// path, so one <customer> and fifty have the same shape.
func (s *shape) addXML(b []byte) error {
	// Names are ASCII whatever the charset, and values are not compared:
	// a windows-1251 body is read as UTF-8 with its letters replaced.
	dec := xml.NewDecoder(bytes.NewReader(bytes.ToValidUTF8(b, []byte("\uFFFD"))))
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local}
			for _, a := range t.Attr {
				n.attrs = append(n.attrs, a.Name.Local)
			}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil {
		return fmt.Errorf("no root element")
	}
	s.at(root.name).within++
	s.addNode(root.name, root)
	return nil
}

func (s *shape) addNode(path string, n *xmlNode) {
	text := strings.TrimSpace(n.text.String())
	switch {
	case len(n.children) > 0:
		s.add(path, "element", "")
	case text != "":
		s.add(path, "text", text)
	default:
		s.add(path, "empty", "")
	}
	for _, a := range n.attrs {
		s.at(path+"@"+a).within++
		s.add(path+"@"+a, "text", "")
	}
	seen := map[string]bool{}
	for _, c := range n.children {
		child := join(path, c.name)
		if !seen[c.name] {
			seen[c.name] = true
			s.at(child).within++
		}
		s.addNode(child, c)
	}
}

// parentOf is the path a field hangs from ("" for a top-level JSON key);
// false for the document itself.
func parentOf(path string) (string, bool) {
	if strings.HasSuffix(path, "[]") {
		return strings.TrimSuffix(path, "[]"), true
	}
	i := strings.LastIndexAny(path, ".@")
	if i < 0 {
		return "", path != ""
	}
	return path[:i], true
}

// holders is how many values at p can hold fields: objects and elements,
// or, for attributes, every element.
func (p *pathShape) holders(attr bool) int {
	if attr {
		return p.n
	}
	return p.kinds["object"] + p.kinds["element"]
}

// nonEmptyKinds are the kinds seen, but null and empty (which are
// compatible with any kind).
func (p *pathShape) nonEmptyKinds() []string {
	var out []string
	for k := range p.kinds {
		if k != "null" && k != "empty" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// compareShapes lists how mock differs from rec.
func compareShapes(rec, mock *shape) (drifts, notes []Drift) {
	paths := slices.Sorted(maps.Keys(rec.paths))
	for p := range mock.paths {
		if rec.paths[p] == nil {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, path := range paths {
		r, m := rec.paths[path], mock.paths[path]
		if r != nil && m != nil {
			drifts = append(drifts, compareKinds(path, r, m)...)
			continue
		}
		if path == "errors[].code" {
			// Errors on one side only: an error the other did not answer.
			drifts = append(drifts, compareKinds(path, cmp.Or(r, &pathShape{}), cmp.Or(m, &pathShape{}))...)
			continue
		}
		if strings.HasSuffix(path, "[]") {
			continue // an empty array on one side: lengths legitimately differ
		}
		parent, ok := parentOf(path)
		rp, mp := rec.paths[parent], mock.paths[parent]
		if ok && rp == nil && mp == nil {
			ok = false // an XML root element: its parent is the document
		}
		attr := strings.HasPrefix(path[len(parent):], "@")
		if ok && (rp == nil || mp == nil || rp.holders(attr) == 0 || mp.holders(attr) == 0) {
			continue // reported at the parent
		}
		// A field on one side only: drift when every holder on that side
		// has it, a note when only some do (an optional field).
		d, have, holder := Drift{Kind: DriftMissing, Path: path, Detail: "the recorded answer has it, the mock's does not"}, r, rp
		if r != nil {
			d.Recorded = kindList(r)
		} else {
			d, have, holder = Drift{Kind: DriftExtra, Path: path, Mock: kindList(m), Detail: "the mock sends it, the recorded answer does not"}, m, mp
		}
		if ok && have.within < holder.holders(attr) {
			d.Kind = NoteOptional
			d.Detail = map[bool]string{true: "only some recorded answers have it, the mock's never do",
				false: "the mock sends it only sometimes, the recorded answer never"}[r != nil]
			notes = append(notes, d)
			continue
		}
		drifts = append(drifts, d)
	}
	return drifts, notes
}

// compareKinds compares one path present on both sides.
func compareKinds(path string, r, m *pathShape) []Drift {
	var out []Drift
	rk, mk := r.nonEmptyKinds(), m.nonEmptyKinds()
	if len(rk) > 0 && len(mk) > 0 && !slices.Equal(rk, mk) {
		out = append(out, Drift{Kind: DriftType, Path: path, Recorded: strings.Join(rk, "|"), Mock: strings.Join(mk, "|"), Detail: "the value's type differs"})
	}
	if valuePaths[path] {
		rv, mv := slices.Sorted(maps.Keys(r.values)), slices.Sorted(maps.Keys(m.values))
		if !slices.Equal(rv, mv) {
			kind := DriftValue
			if path == "errors[].code" {
				kind = DriftErrorCode
			}
			out = append(out, Drift{Kind: kind, Path: path, Recorded: orNone(strings.Join(rv, ",")), Mock: orNone(strings.Join(mv, ",")), Detail: "the value differs"})
		}
	}
	return out
}

func kindList(p *pathShape) string {
	k := slices.Sorted(maps.Keys(p.kinds))
	return strings.Join(k, "|")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
