package mock

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// FuzzArtixCommands feeds any body to the mock's Artix decoders (the HTTP
// array and the exchange file): no panic, and a batch that decodes
// re-encodes (through the client's encoder) to commands that decode the
// same. Run longer with
//
//	go test -run '^$' -fuzz '^FuzzArtixCommands$' -fuzztime 10m ./mock
func FuzzArtixCommands(f *testing.F) {
	files, _ := filepath.Glob("../testdata/artix/*.json")
	if len(files) == 0 {
		f.Fatal("no seed files in ../testdata/artix")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`[{"command":"addClient","client":{"idclient":4,"name":"Пётр","sex":1,"options":3,"communications":{"sms":1},"subscriptionadj":true}}]`,
		`[{"command":"updateClient","client":{"idclient":"4","phonenumbr":"8800","specialdate1 name":"x"}}]`,
		`{"command":"clearClient"}` + "\n---\n" + `{"command":"deleteClient","client":{"idclient":"12"}}` + "\n---\n",
		`[]`, `[{}]`, `[null]`, `{"command":"addClient"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = parseArtixFile(body)
		cmds, err := decodeArtixArray(bytes.NewReader(body))
		if err != nil {
			return
		}
		enc, err := json.Marshal(append([]loyalty.ArtixCommand{}, cmds...))
		if err != nil {
			t.Fatalf("a decoded batch does not encode: %v", err)
		}
		again, err := decodeArtixArray(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("our encoding %s does not decode: %v", enc, err)
		}
		if !reflect.DeepEqual(normalise(cmds), normalise(again)) {
			t.Fatalf("the round trip changed the batch:\n%+v\n%+v\nvia %s", cmds, again, enc)
		}
	})
}

// normalise re-encodes commands so that equal batches compare equal
// whatever their representation in memory.
func normalise(cmds []loyalty.ArtixCommand) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		b, _ := json.Marshal(c)
		out[i] = string(b)
	}
	return out
}
