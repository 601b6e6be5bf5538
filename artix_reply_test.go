package loyalty_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
	"golang.org/x/text/encoding/charmap"
)

// TestArtixLoadReplies: a loaddicts reply's success means "queued"; false
// in any spelling is an *APIError carrying the server's message whatever
// its key, never a delivered batch (it was reported as one). Golden rows
// of the shapes field code reads.
func TestArtixLoadReplies(t *testing.T) {
	srv := mock.NewServer(t)
	ax := srv.Artix(loyalty.WithoutRetries())
	for _, tc := range []struct {
		name, body string
		status     int
		info       string // "" : queued
	}{
		{"field success", `{"success":true}`, 200, ""},
		{"success 1", `{"success":1}`, 200, ""},
		{"success string", `{"success":"true"}`, 200, ""},
		{"plain OK", `OK`, 200, ""},
		{"plain ok, spaced", " ok\r\n", 200, ""},
		{"empty body", ``, 200, "-"},
		{"no success, no message", `{"result":"ok"}`, 200, "-"},
		{"empty object", `{}`, 200, "-"},
		{"bare false", `false`, 200, "-"},
		{"bare 0", `0`, 200, "-"},
		{"bare null", `null`, 200, "-"},
		{"bare true", `true`, 200, "-"},
		{"array", `[{"success":true}]`, 200, "-"},
		{"status error", `{"status":"error"}`, 200, "error"},
		{"code and text", `{"code":13,"text":"Справочник не загружен"}`, 200, "Справочник не загружен (code 13)"},
		{"errorCode and message", `{"errorCode":5,"message":"Нет такого магазина"}`, 200, "Нет такого магазина (code 5)"},
		{"plain ERROR", `ERROR`, 200, "ERROR"},
		{"plain text", "Справочник не загружен\nстек", 200, "Справочник не загружен"},
		{"success null", `{"success":null}`, 200, "-"},
		{"case-variant success twice", `{"Success":false,"SUCCESS":true}`, 200, "-"},
		{"success twice", `{"success":true,"success":true}`, 200, "-"},
		{"success twice, spelled apart", `{"success":0,"suc_cess":1}`, 200, "-"},
		{"success false", `{"success":false,"message":"Магазин не найден"}`, 200, "Магазин не найден"},
		{"success 0", `{"success":0,"error":"bad dictionary"}`, 200, "bad dictionary"},
		{"success \"false\"", `{"success":"false","errorMessage":"очередь переполнена"}`, 200, "очередь переполнена"},
		{"success false info", `{"Success":false,"info":"нет лицензии"}`, 200, "нет лицензии"},
		{"success false, code", `{"success":false,"errorCode":17,"message":"x"}`, 200, "x (code 17)"},
		{"success false bare", `{"success":false}`, 200, "-"},
		{"no success, an error", `{"error":"unauthorized shop"}`, 200, "unauthorized shop"},
		{"cut off", `{"success":tr`, 200, "-"},
		{"HTTP 500 message", `{"success":false,"message":"internal"}`, 500, "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: tc.status, Body: tc.body, ContentType: "application/json", AfterApply: true})
			defer srv.ClearFaults()
			if tc.body == "" {
				srv.ClearFaults()
				srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 200, Body: " ", AfterApply: true})
			}
			err := ax.Customers.Delete(context.Background(), "1")
			if tc.info == "" {
				if err != nil {
					t.Fatalf("want queued, got %v", err)
				}
				return
			}
			var ae *loyalty.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tc.status {
				t.Fatalf("want *APIError HTTP %d, got %T %v", tc.status, err, err)
			}
			if tc.info != "-" && ae.Info != tc.info {
				t.Errorf("Info %q, want %q", ae.Info, tc.info)
			}
		})
	}
}

// TestArtixBatchID: a caller's dictionaryid is sent as given, on every
// attempt; a bad one is refused before anything is sent.
func TestArtixBatchID(t *testing.T) {
	srv := mock.NewServer(t)
	srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 503})
	res, err := srv.Artix().SendBatch(context.Background(), loyalty.ArtixBatch{ID: "sync-42", Commands: artixAdds(2)})
	if err != nil {
		t.Fatalf("SendBatch: %+v %v; want err == nil", res, err)
	} else if res.ID != "sync-42" {
		t.Fatalf("SendBatch: %+v %v; want res.ID == \"sync-42\"", res, err)
	} else if !res.Queued {
		t.Fatalf("SendBatch: %+v %v; want res.Queued", res, err)
	} else if res.Commands != 2 {
		t.Fatalf("SendBatch: %+v %v; want res.Commands == 2", res, err)
	}
	reqs := srv.RequestsTo(mock.ArtixAPI)
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want a 503 and its retry", len(reqs))
	}
	for _, r := range reqs {
		if got := r.Query.Get("dictionaryid"); got != "sync-42" {
			t.Errorf("dictionaryid %q", got)
		}
	}
	for _, bad := range []string{"a b", "a/b", strings.Repeat("x", 101), "a\nb"} {
		_, err := srv.Artix().SendBatch(context.Background(), loyalty.ArtixBatch{ID: bad, Commands: artixAdds(1)})
		var ve *loyalty.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("ID %q: want *ValidationError, got %v", bad, err)
		}
	}
	if n := len(srv.RequestsTo(mock.ArtixAPI)); n != 2 {
		t.Errorf("bad IDs sent %d requests", n-2)
	}
}

// TestArtixReplyCharsets: field servers answer in windows-1251 without
// saying so; the message the caller sees is readable Russian whether the
// charset is declared, undeclared, or the reply is UTF-8.
func TestArtixReplyCharsets(t *testing.T) {
	srv := mock.NewServer(t)
	ax := srv.Artix(loyalty.WithoutRetries())
	const msg = "Магазин не найден"
	cp1251, err := charmap.Windows1251.NewEncoder().String(`{"success":false,"message":"` + msg + `"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, body, ctype string }{
		{"cp1251 undeclared", cp1251, "application/json"},
		{"cp1251 declared", cp1251, "application/json; charset=windows-1251"},
		{"utf-8", `{"success":false,"message":"` + msg + `"}`, "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.Fail(mock.Fault{API: mock.ArtixAPI, Status: 200, Body: tc.body, ContentType: tc.ctype})
			defer srv.ClearFaults()
			err := ax.Customers.Delete(context.Background(), "1")
			var ae *loyalty.APIError
			if !errors.As(err, &ae) || ae.Info != msg {
				t.Fatalf("want *APIError with Info %q, got %v", msg, err)
			}
		})
	}
}
