package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty/mock"
)

var shippedCassettes = []string{
	filepath.Join("..", "..", "testdata", "cassettes", "virtpos.jsonl"),
	filepath.Join("..", "..", "testdata", "cassettes", "crm.jsonl"),
	filepath.Join("..", "..", "testdata", "cassettes", "artix.jsonl"),
}

var driftedCassette = filepath.Join("..", "..", "mock", "testdata", "drifted.jsonl")

func verifyRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"verify"}, args...), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestVerifyPassesOnTheShippedCassettes(t *testing.T) {
	out, _, err := verifyRun(t, shippedCassettes...)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	for _, want := range []string{"== " + shippedCassettes[1], "13 exchanges replayed against the mock, 0 drifted", "ok    crm POST CreateContact",
		"ok    virtpos POST /api/customer/insertCard: 1 exchanges", "ok    crm POST BindPhysicalCard: 2 exchanges"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not say %q:\n%s", want, out)
		}
	}
}

func TestVerifyFailsOnDrift(t *testing.T) {
	out, _, err := verifyRun(t, shippedCassettes[0], driftedCassette)
	if err == nil || !strings.Contains(err.Error(), "6 of 11 recorded exchanges drift from the mock") {
		t.Fatalf("err = %v, want a drift error", err)
	}
	for _, want := range []string{"DRIFT crm POST BindPhysicalCard", "error-code errors[].code: recorded 10020, mock 10230"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not say %q:\n%s", want, out)
		}
	}
}

func TestVerifyJSON(t *testing.T) {
	out, _, err := verifyRun(t, "-json", driftedCassette)
	if err == nil {
		t.Fatal("no drift error")
	}
	var got struct {
		OK        bool
		Cassettes []struct {
			File   string
			Report mock.VerifyReport
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.OK {
		t.Errorf("ok %v, %d cassettes: %+v; want !got.OK", got.OK, len(got.Cassettes), got.Cassettes)
	} else if len(got.Cassettes) != 1 {
		t.Errorf("ok %v, %d cassettes: %+v; want len(got.Cassettes) == 1", got.OK, len(got.Cassettes), got.Cassettes)
	} else if got.Cassettes[0].Report.Drifted != 6 {
		t.Errorf("ok %v, %d cassettes: %+v; want got.Cassettes[0].Report.Drifted == 6", got.OK, len(got.Cassettes), got.Cassettes)
	}
	ep := got.Cassettes[0].Report.Endpoints[0]
	if ep.API != mock.VirtPOSAPI {
		t.Errorf("first endpoint %+v; want ep.API == mock.VirtPOSAPI", ep)
	} else if ep.Drifts[0].Where != driftedCassette+":1" {
		t.Errorf("first endpoint %+v; want ep.Drifts[0].Where == driftedCassette + \":1\"", ep)
	}
}

func TestVerifyBadInput(t *testing.T) {
	dir := t.TempDir()
	malformed := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(malformed, []byte(`{"method":"GET","path":"/x","status":200}`+"\n"+`{"method":"GET","path":"/x"`+"\n"), 0o600)
	badState := filepath.Join(dir, "state.json")
	os.WriteFile(badState, []byte(`{"virtpos": 12}`), 0o600)
	unreadable := filepath.Join(dir, "unreadable.jsonl")
	os.WriteFile(unreadable, []byte("{}\n"), 0o000)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no cassette", nil, "name at least one cassette file"},
		{"missing file", []string{filepath.Join(dir, "absent.jsonl")}, "absent.jsonl: no such file or directory"},
		{"malformed line", []string{shippedCassettes[0], malformed}, "bad.jsonl:2: not an exchange"},
		{"missing state", []string{"-load", filepath.Join(dir, "absent.json"), shippedCassettes[0]}, "-load: open"},
		{"bad state", []string{"-load", badState, shippedCassettes[0]}, "-load " + badState},
		{"unknown flag", []string{"-nope", shippedCassettes[0]}, "flag provided but not defined"},
	}
	if os.Geteuid() != 0 { // root reads any file
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"unreadable file", []string{unreadable}, "permission denied"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := verifyRun(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if out != "" {
				t.Errorf("a report was printed for bad input:\n%s", out)
			}
		})
	}
}

// -load starts each cassette from a state of the caller's: without the
// CRM's contacts, the recorded contact lookups drift; with the seed, none.
func TestVerifyLoadsState(t *testing.T) {
	srv, err := mock.NewInMemory(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	seed, err := srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]map[string]json.RawMessage
	if err := json.Unmarshal(seed, &state); err != nil {
		t.Fatal(err)
	}
	state["crm"]["contacts"] = json.RawMessage("[]")
	empty, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seedPath, emptyPath := filepath.Join(dir, "seed.json"), filepath.Join(dir, "empty.json")
	os.WriteFile(seedPath, seed, 0o600)
	os.WriteFile(emptyPath, empty, 0o600)
	if out, _, err := verifyRun(t, "-load", seedPath, shippedCassettes[1], shippedCassettes[1]); err != nil {
		t.Errorf("verify -load seed, the cassette twice: %v\n%s", err, out)
	}
	out, _, err := verifyRun(t, "-load", emptyPath, shippedCassettes[1])
	if err == nil {
		t.Errorf("verify -load without contacts: err %v\n%s; want err != nil", err, out)
	} else if !strings.Contains(out, "DRIFT crm GET GetByContactId: 1 of 2 exchanges differ") {
		t.Errorf("verify -load without contacts: err %v\n%s; want strings.Contains(out, \"DRIFT crm GET GetByContactId: 1 of 2 exchanges differ\")", err, out)
	}
}
