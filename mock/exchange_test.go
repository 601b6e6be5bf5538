package mock

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestArtixFileVariants: the exchange player reads what field writers
// produce (testdata/artix-files: E's Java writer, K's 1C form with the
// data begin/end lines and blank lines around ---, X's pretty-printed
// objects with a BOM and CRLF; options as booleans, 0/1 or a bitmask), and
// refuses what the real uploader would lose: text after the last ---.
func TestArtixFileVariants(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string // encoded commands; nil: an error containing errPart
		err  string
	}{
		{"e-java.aif", []string{`{"command":"clearClient"}`,
			`{"command":"addClient","client":{"idclient":"1","name":"Пётр",` + blanks + `,"options":{"sendchecktoemail":1,"emailconfirmed":0}}}`}, ""},
		{"k-1c.aif", []string{
			`{"command":"addClient","client":{"idclient":"2","name":"Анна",` + blanks + `,"options":{"sendchecktoemail":1,"emailconfirmed":1}}}`,
			`{"command":"deleteClient","idclient":"9"}`}, ""},
		{"x-pretty-bom-crlf.aif", []string{
			`{"command":"addClient","client":{"idclient":"3","name":"Иван",` + blanks + `,"options":{"sendchecktoemail":1,"emailconfirmed":1}}}`}, ""},
		{"trailing.aif", nil, "after the last"},
		{"no-separator.aif", nil, "after the last"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "artix-files", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			cmds, err := parseArtixFile(data)
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want an error with %q, got %v (%d commands)", tc.err, err, len(cmds))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := normalise(cmds)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("commands\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// blanks are the empty string attributes addClient always sends.
const blanks = `"lastname":"","patronymic":"","text":"","specialdate1name":"","specialdate2name":"","specialdate3name":"","zipcode":"","address":"","email":"","webpage":"","phonenumber":"","inn":"","document":"","okpo":"","okpd":"","occupation":"","extendedoptions":"","organizationcode":"","birthday":"","specialdate1":"","specialdate2":"","specialdate3":""`

// TestArtixExchangeNames: the player loads fixed All.aif/All.flz batches
// and millisecond names as well as the writer's second names, and reports
// a batch with text after its last separator instead of dropping it.
func TestArtixExchangeNames(t *testing.T) {
	srv := NewServer(t)
	dir := t.TempDir()
	write := func(base, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, base+".aif"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, base+".flz"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("All", `{"command":"addClient","client":{"idclient":"a"}}`+"\n---\n")
	write("pos20261130101010123", `{"command":"addClient","client":{"idclient":"b"}}`+"\n---\n")
	write("pos20261130101011", `{"command":"addClient","client":{"idclient":"c"}}`+"\n---\n")
	write("pos20261130101012", `{"command":"addClient","client":{"idclient":"d"}}`+"\n---\n"+`{"command":"clearClient"}`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeArtixExchangeDir(ctx, dir) }()
	deadline := time.Now().Add(30 * time.Second)
	for len(srv.ArtixLoadErrors()) == 0 || srv.ArtixCustomerCount() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("clients %v, errors %v", srv.ArtixCustomers(), srv.ArtixLoadErrors())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	for _, id := range []string{"a", "b", "c"} {
		if _, ok := srv.ArtixCustomer(id); !ok {
			t.Errorf("client %s not loaded", id)
		}
	}
	if _, ok := srv.ArtixCustomer("d"); ok {
		t.Error("the batch with trailing text was applied")
	}
	if errs := srv.ArtixLoadErrors(); len(errs) != 1 {
		t.Errorf("load errors %v; want len(errs) == 1", errs)
	} else if !strings.Contains(errs[0].Error(), "pos20261130101012.aif") {
		t.Errorf("load errors %v; want strings.Contains(errs[0].Error(), \"pos20261130101012.aif\")", errs)
	}
}
