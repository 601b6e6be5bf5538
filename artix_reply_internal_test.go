package loyalty

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/loyaltykit/loyalty/internal/testutil"
)

// artixReplySeeds are replies of every shape artixReplyError reads.
var artixReplySeeds = []string{
	`{"success":true}`, `{"success":1}`, `{"success":"true"}`, `{"success":" TRUE "}`,
	`{"Success":true,"message":"ok"}`, `{"suc cess":true}`, `{"SUC_CESS":"1"}`,
	`{"result":"ok","applied":1}`, `{"result":"ok","nested":{"a":[1,2,{"b":null}]}}`,
	`{"success":false}`, `{"success":0,"error":"bad"}`, `{"success":"false"}`,
	`{"success":true,"success":false}`, `{"success":false,"success":true}`,
	`{"error":"unauthorized shop"}`, `{"info":""}`, `{"Info":"x"}`, `{"ınfo":"x"}`, `{"İnfo":"x"}`,
	`{"success":tr`, `{"success":true}x`, `{"success":true} `, ` {"success":true}`,
	`{"success":"tr\u0075e"}`, `{"success":1.0}`, `{"success":[true]}`, `{"success":{}}`,
	`{"success":true,}`, `{"a":1 "b":2}`, `[{"success":true}]`, `"success"`, `null`, `1`, `OK`,
	`{"success":"\xff"}`, `{"\xffsuccess":true}`, `{"success":true,"x":"\x01"}`,
	`{"averyveryverylongkeythatisnotsuccess":true}`, `{"errormessagexx":"x"}`,
}

// TestArtixQueuedAtSight: the allocation-free reading of a queued reply
// says queued for the usual replies, and leaves every other one to the
// full reading (golden rows).
func TestArtixQueuedAtSight(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{`{"success":true}`, true},
		{` {"Success" : "1" , "message":"принято"} `, true},
		{`{"success":true,"result":"ok","applied":1}`, true},
		{`{"result":"ok","applied":1}`, false}, // no success: not queued
		{`{}`, false},
		{`{"success":false}`, false},
		{`{"success":"yes"}`, false},
		{`{"error":""}`, false}, // no verdict: the full reading finds the message empty
		{`{"success":true,"success":true}`, false},
		{`{"İnfo":"x"}`, false},
		{`{"success":true`, false},
		{`{"success":true}{}`, false},
		{`OK`, false},
	} {
		if got := artixQueuedAtSight([]byte(tc.body)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.body, got, tc.want)
		}
	}
}

// TestArtixQueuedAtSightAllocatesNothing: reading the usual reply is on
// the path of every Artix send (issue 15: the map decode was ≈ 19
// allocations a call).
func TestArtixQueuedAtSightAllocatesNothing(t *testing.T) {
	for _, body := range []string{`{"success":true,"message":"ok","dictionaryid":"1764471234.567890"}`, `{"success":true,"result":"ok","applied":1}`} {
		b := []byte(body)
		if n := testing.AllocsPerRun(100, func() {
			if !artixQueuedAtSight(b) {
				t.Fatal("not queued")
			}
		}); n != 0 {
			t.Errorf("%s: %.0f allocations, want 0", body, n)
		}
	}
}

// FuzzArtixReplyAtSight: whatever reply the allocation-free reading calls
// queued, the full reading (artixReplyVerdict) calls queued too.
func FuzzArtixReplyAtSight(f *testing.F) {
	for _, s := range artixReplySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !artixQueuedAtSight(body) {
			return
		}
		trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
		if len(trimmed) == 0 {
			t.Fatalf("%q: queued at sight, but empty", body)
		}
		if info, cause := artixReplyVerdict(trimmed, body); cause != nil {
			t.Fatalf("%q: queued at sight, but the full reading says %v (%q)", body, cause, info)
		}
	})
}

// TestArtixDictionaryIDFormat: a made dictionaryid is epoch seconds, a
// point, six digits of microseconds (leading zeros kept) and twelve random
// digits: the look of the field's epoch seconds with a fraction, never
// repeated and not guessable from the clock (issue 20: microseconds alone
// were guessed in ~2 000 tries).
func TestArtixDictionaryIDFormat(t *testing.T) {
	re := regexp.MustCompile(`^[1-9][0-9]{9,}\.[0-9]{18}$`)
	seen := map[string]bool{}
	randoms := map[string]bool{}
	for range 1000 {
		id := newArtixDictionaryID()
		if !re.MatchString(id) {
			t.Fatalf("dictionaryid %q (repeated: %v); want re.MatchString(id)", id, seen[id])
		} else if seen[id] {
			t.Fatalf("dictionaryid %q (repeated: %v); want !seen[id]", id, seen[id])
		}
		seen[id] = true
		randoms[id[len(id)-12:]] = true
	}
	if len(randoms) < 999 {
		t.Errorf("%d distinct random parts in 1000 ids, want 1000 (but for a rare collision)", len(randoms))
	}
	want := 1.0
	if testutil.Race {
		want++
	}
	if n := testing.AllocsPerRun(100, func() { newArtixDictionaryID() }); n > want {
		t.Errorf("%.0f allocations, want %.0f", n, want)
	}
}
