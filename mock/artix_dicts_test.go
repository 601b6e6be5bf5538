package mock

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
)

// cardSync is a loyalty sync's batch: a card group, the client, the
// client's card and its account binding, and one raw command.
func cardSync(id string) []loyalty.ArtixCommand {
	return []loyalty.ArtixCommand{
		loyalty.AddCardGroup(loyalty.ArtixCardGroup{ID: "1", Name: "Дисконтная", Mode: new(loyalty.ArtixCardDiscount)}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: id, FirstName: "Пётр"}),
		loyalty.AddCard(loyalty.ArtixCard{ID: id, GroupID: "1", ClientID: id, Number: id, DiscountPercent: new(decimal.NewFromInt(5))}),
		loyalty.AddChangeCardAccount(loyalty.ArtixCardAccount{CardNumber: id, AccountNumber: id}),
		loyalty.ArtixRawCommand("addUnit", "unit", json.RawMessage(`{"idunit":1,"name":"шт"}`)),
	}
}

// checkCardSync asserts the mock holds cardSync(id)'s records, the card
// related to its client.
func checkCardSync(t *testing.T, srv *Server, id string) {
	t.Helper()
	if _, ok := srv.ArtixCustomer(id); !ok {
		t.Errorf("client %s not stored", id)
	}
	cards := srv.ArtixCustomerCards(id)
	if len(cards) != 1 || cards[0].ID != id || cards[0].GroupID != "1" || cards[0].DiscountPercent == nil || !cards[0].DiscountPercent.Equal(decimal.NewFromInt(5)) {
		t.Errorf("cards of client %s: %+v, want card %s of group 1 at 5%%", id, cards, id)
	}
	if g, ok := srv.ArtixCardGroups()["1"]; !ok || g.Mode == nil || *g.Mode != loyalty.ArtixCardDiscount {
		t.Errorf("card group 1: %+v (stored %v), want a discount group", g, ok)
	}
	if acc, ok := srv.ArtixCardAccounts()[id]; !ok {
		t.Errorf("account of card %s: %+v (stored %v); want ok", id, acc, ok)
	} else if acc.AccountNumber != id {
		t.Errorf("account of card %s: %+v (stored %v); want acc.AccountNumber == id", id, acc, ok)
	}
	if units := srv.ArtixDictionary("unit"); len(units) != 1 || string(units[0].Payload) != `{"idunit":1,"name":"шт"}` {
		t.Errorf("unit dictionary %+v, want the one raw addUnit as sent", units)
	}
}

// TestArtixCardDictionariesOverHTTP: card commands go in one batch beside
// client commands, and the mock stores them related to the client.
func TestArtixCardDictionariesOverHTTP(t *testing.T) {
	srv := NewServer(t)
	if err := srv.Artix().Send(context.Background(), cardSync("7001")...); err != nil {
		t.Fatal(err)
	}
	checkCardSync(t, srv, "7001")
	// What the accessors return are copies.
	c := srv.ArtixCustomerCards("7001")[0]
	*c.DiscountPercent = decimal.NewFromInt(99)
	if again := srv.ArtixCards()["7001"]; !again.DiscountPercent.Equal(decimal.NewFromInt(5)) {
		t.Errorf("changing a returned card changed the mock: discount %v, want 5", again.DiscountPercent)
	}
}

// TestArtixCardDictionariesOverExchangeDir: the same batch through an
// exchange file.
func TestArtixCardDictionariesOverExchangeDir(t *testing.T) {
	srv := NewServer(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeArtixExchangeDir(ctx, dir) }()
	defer func() { cancel(); <-done }()
	ax, err := loyalty.NewArtixExchangeDir(dir, loyalty.WithPickupWait(30*time.Second), loyalty.WithPollInterval(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := ax.Send(ctx, cardSync("7002")...); err != nil {
		t.Fatal(err)
	}
	checkCardSync(t, srv, "7002")
}

// TestArtixFieldPayloads: the field's own payloads load whole (they were
// refused at their first non-client command): the ERP's discount export
// as an exchange file, the loader's goods as a loaddicts body; unknown
// commands are kept by dictionary and shown by GET /_mock/state.
func TestArtixFieldPayloads(t *testing.T) {
	srv := NewServer(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "artix", "field", "erp-discount.aif"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pos20261207093000.aif"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pos20261207093000.flz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.loadArtixDir(dir); err != nil {
		t.Fatal(err)
	}
	if errs := srv.ArtixLoadErrors(); len(errs) != 0 {
		t.Fatalf("the ERP's discount export was refused: %v", errs)
	}
	if cards := srv.ArtixCustomerCards("2000000000022"); len(cards) != 1 || !cards[0].Blocked {
		t.Errorf("cards of client 2000000000022: %+v, want one blocked card", cards)
	}
	if c, _ := srv.ArtixCustomer("2000000000015"); c.FirstName != "Петров Пётр Петрович" {
		t.Errorf("client 2000000000015: %+v", c)
	}
	if n := len(srv.ArtixCardGroups()); n != 2 {
		t.Errorf("%d card groups, want 2", n)
	}

	goods, err := os.ReadFile(filepath.Join("..", "testdata", "artix", "field", "loader-goods.json"))
	if err != nil {
		t.Fatal(err)
	}
	status, r := postArtix(t, srv, "/aifexchange/loaddicts?shopcode=1&dictionaryid=1764471234.5", string(goods), nil)
	if status != 200 || !r.Success || r.Applied == nil || *r.Applied != 6 {
		t.Fatalf("the loader's goods: HTTP %d %+v, want 200 with 6 applied", status, r)
	}
	if got := srv.ArtixDictionaries(); strings.Join(got, ",") != "clearInventCatalog,clearInventory,invent,inventcatalog,unit" {
		t.Errorf("dictionaries %v", got)
	}
	units := srv.ArtixDictionary("unit")
	if len(units) != 2 || units[1].Name != "addUnit" || !strings.Contains(string(units[1].Payload), `"idunit": 2`) {
		t.Errorf("unit dictionary %+v, want the two addUnit commands in order", units)
	}

	// The admin API shows them, and a state restores them.
	snap, err := srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Artix struct {
			Cards        []json.RawMessage            `json:"cards"`
			Dictionaries map[string][]json.RawMessage `json:"dictionaries"`
		} `json:"artix"`
	}
	if err := json.Unmarshal(snap, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Artix.Cards) != 2 || len(st.Artix.Dictionaries["unit"]) != 2 {
		t.Errorf("state: %d cards, %d units; want 2 and 2", len(st.Artix.Cards), len(st.Artix.Dictionaries["unit"]))
	}
	srv.Reset()
	if len(srv.ArtixDictionaries()) != 0 {
		t.Fatal("Reset kept the dictionaries", "; want len(srv.ArtixDictionaries()) == 0")
	} else if len(srv.ArtixCards()) != 0 {
		t.Fatal("Reset kept the dictionaries", "; want len(srv.ArtixCards()) == 0")
	}
	if err := srv.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if len(srv.ArtixDictionary("unit")) != 2 {
		t.Errorf("restored: units %v, cards %v; want len(srv.ArtixDictionary(\"unit\")) == 2", srv.ArtixDictionary("unit"), srv.ArtixCards())
	} else if len(srv.ArtixCustomerCards("2000000000015")) != 1 {
		t.Errorf("restored: units %v, cards %v; want len(srv.ArtixCustomerCards(\"2000000000015\")) == 1", srv.ArtixDictionary("unit"), srv.ArtixCards())
	}
}

// TestArtixDictionariesAllOrNothing: a batch refused at a later command
// stores none of its cards or raw commands.
func TestArtixDictionariesAllOrNothing(t *testing.T) {
	srv := NewServer(t)
	body := `[{"command":"addUnit","unit":{"idunit":1}},{"command":"addCard","card":{"idcard":"1","number":"1"}},{"command":"updateClient","client":{"idclient":"nobody"}}]`
	status, r := postArtix(t, srv, "/aifexchange/loaddicts", body, nil)
	if status != 400 || r.Command == nil || *r.Command != 2 {
		t.Fatalf("HTTP %d %+v, want 400 at command 2", status, r)
	}
	if len(srv.ArtixDictionaries()) != 0 {
		t.Errorf("a refused batch left dictionaries %v, cards %v; want len(srv.ArtixDictionaries()) == 0", srv.ArtixDictionaries(), srv.ArtixCards())
	} else if len(srv.ArtixCards()) != 0 {
		t.Errorf("a refused batch left dictionaries %v, cards %v; want len(srv.ArtixCards()) == 0", srv.ArtixDictionaries(), srv.ArtixCards())
	}
	status, r = postArtix(t, srv, "/aifexchange/loaddicts", `[{"command":"addCard","card":{"idcard":"1"}}]`, nil)
	if status != 400 || !strings.Contains(r.Error, "card.number") {
		t.Errorf("a card without number: HTTP %d %+v, want 400 naming card.number", status, r)
	}
}
