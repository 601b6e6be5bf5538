package loyalty_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/artixwire"
	"github.com/loyaltykit/loyalty/mock"
)

var updateArtixGolden = flag.Bool("update-artix-golden", false, "rewrite testdata/artix/field/*.golden.*")

// fieldDiscountExport is the typed form of testdata/artix/field/erp-discount.aif,
// the ERP's discount export (docs/artix-field-notes.md §5): cards, card groups,
// an account binding, then the clients the cards belong to.
func fieldDiscountExport() []loyalty.ArtixCommand {
	dec := func(s string) *decimal.Decimal { return new(decimal.RequireFromString(s)) }
	card := func(n, group, from, to, sum string, blocked bool, pct string) loyalty.ArtixCard {
		return loyalty.ArtixCard{ID: n, GroupID: group, ClientID: n, Number: n, ValidFrom: loyalty.ArtixDate(from), ValidTo: loyalty.ArtixDate(to),
			Sum: dec(sum), Blocked: blocked, DiscountPercent: dec(pct)}
	}
	blockedCard := card("2000000000022", "2", "2024-03-01", "2027-02-28", "150.50", true, "0")
	blockedCard.Status = new(1)
	group := func(id, name string, mode loyalty.ArtixCardMode) loyalty.ArtixCardGroup {
		return loyalty.ArtixCardGroup{ID: id, Name: name, Text: id, Mode: new(mode), NotAddEmptyCard: new(true), Pattern: "[0-9]", InputMask: new(7)}
	}
	return []loyalty.ArtixCommand{
		loyalty.AddCard(card("2000000000015", "1", "2024-01-01", "2026-12-31", "0", false, "5")),
		loyalty.AddCard(blockedCard),
		loyalty.AddCardGroup(group("1", "Дисконтная 5%", loyalty.ArtixCardDiscount)),
		loyalty.AddCardGroup(group("2", "Бонусная", loyalty.ArtixCardBonus)),
		loyalty.AddChangeCardAccount(loyalty.ArtixCardAccount{CardNumber: "2000000000022", AccountNumber: "2000000000022", Status: loyalty.ArtixEarnOnly}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "2000000000015", FirstName: "Петров Пётр Петрович", Gender: new(loyalty.ArtixGenderMale), BirthDate: "1985-03-14"}),
		loyalty.AddClient(loyalty.ArtixCustomer{ID: "2000000000022", FirstName: "Иванова Анна", Gender: new(loyalty.ArtixGenderFemale)}),
	}
}

// golden compares got with the file, or rewrites it with -update-artix-golden.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "artix", "field", name)
	if *updateArtixGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot\n%s\nwant\n%s", name, got, want)
	}
}

// TestArtixCardDictionariesGolden: the ERP's own discount export decodes
// to the typed card commands, and the SDK writes them with the field's
// attribute names, types and order (erp-discount.golden.aif).
func TestArtixCardDictionariesGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "artix", "field", "erp-discount.aif"))
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := artixwire.SplitCommands(data)
	if err != nil {
		t.Fatal(err)
	}
	want := fieldDiscountExport()
	if len(chunks) != len(want) {
		t.Fatalf("%d commands in the field file, want %d", len(chunks), len(want))
	}
	var out bytes.Buffer
	for i, chunk := range chunks {
		var got loyalty.ArtixCommand
		if err := json.Unmarshal(chunk, &got); err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("command %d decoded as\n%+v\nwant\n%+v", i, got, want[i])
		}
		if err := got.Validate(); err != nil {
			t.Errorf("command %d: the field's own command is refused: %v", i, err)
		}
		b, err := json.Marshal(want[i])
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		out.Write(b)
		out.WriteString(artixwire.Separator)
	}
	golden(t, "erp-discount.golden.aif", out.Bytes())
	// The card attributes in the field's order, as the ERP writes them.
	b, _ := json.Marshal(want[1])
	const wantCard = `{"command":"addCard","card":{"idcard":"2000000000022","idcardgroup":"2","idclient":"2000000000022","number":"2000000000022","validitydatebeg":"2024-03-01","validitydateend":"2027-02-28","cardSum":150.5,"blocked":true,"discountpercent":0,"cardstatus":1}}`
	if string(b) != wantCard {
		t.Errorf("addCard\n%s\nwant\n%s", b, wantCard)
	}
}

// TestArtixRawCommandGolden: the loader's goods payload (commands the SDK
// does not type) decodes to raw commands that re-encode to the same JSON,
// filed by dictionary, and ArtixRawCommand builds the same commands.
func TestArtixRawCommandGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "artix", "field", "loader-goods.json"))
	if err != nil {
		t.Fatal(err)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		t.Fatal(err)
	}
	var cmds []loyalty.ArtixCommand
	if err := json.Unmarshal(data, &cmds); err != nil {
		t.Fatal(err)
	}
	wantDicts := []string{"clearInventory", "clearInventCatalog", "unit", "unit", "invent", "inventcatalog"}
	var out bytes.Buffer
	for i, c := range cmds {
		if !c.IsRaw() {
			t.Errorf("command %d (%s) is not raw", i, c.Name)
		}
		if got := c.Dictionary(); got != wantDicts[i] {
			t.Errorf("command %d is filed under %q, want %q", i, got, wantDicts[i])
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		var compact bytes.Buffer
		json.Compact(&compact, elems[i])
		if !jsonEqual(b, compact.Bytes()) {
			t.Errorf("command %d re-encoded as\n%s\nwant the same JSON as\n%s", i, b, compact.Bytes())
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	golden(t, "loader-goods.golden.jsonl", out.Bytes())
	if got, want := cmds[0], loyalty.ArtixRawCommand("clearInventory", "", nil); !reflect.DeepEqual(got, want) {
		t.Errorf("clearInventory decoded as %+v, want %+v", got, want)
	}
	unit := loyalty.ArtixRawCommand("addUnit", "unit", json.RawMessage(`{"idunit": 1, "name": "\u0448\u0442", "fractional": false}`))
	if got := cmds[2]; got.Name != unit.Name || got.Key != unit.Key || !jsonEqual(got.Payload, unit.Payload) {
		t.Errorf("addUnit decoded as %+v, want %+v", got, unit)
	}
}

// jsonEqual compares two JSON texts as values.
func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// TestArtixCardValidation: card commands are checked like client commands
// before anything is sent, each refusal naming the field.
func TestArtixCardValidation(t *testing.T) {
	ok := loyalty.ArtixCard{ID: "1", Number: "1", ClientID: "1", GroupID: "1", ValidFrom: "2024-01-01", ValidTo: "2024-12-31"}
	card := func(f func(*loyalty.ArtixCard)) loyalty.ArtixCommand {
		c := ok
		f(&c)
		return loyalty.AddCard(c)
	}
	grp := loyalty.ArtixCardGroup{ID: "1", Name: "g"}
	group := func(f func(*loyalty.ArtixCardGroup)) loyalty.ArtixCommand {
		g := grp
		f(&g)
		return loyalty.AddCardGroup(g)
	}
	acc := func(a loyalty.ArtixCardAccount) loyalty.ArtixCommand { return loyalty.AddChangeCardAccount(a) }
	for _, tc := range []struct {
		name  string
		cmd   loyalty.ArtixCommand
		field string // "" valid
	}{
		{"card ok", card(func(*loyalty.ArtixCard) {}), ""},
		{"card no idcard", card(func(c *loyalty.ArtixCard) { c.ID = "" }), "card.idcard"},
		{"card no number", card(func(c *loyalty.ArtixCard) { c.Number = " " }), "card.number"},
		{"card long idclient", card(func(c *loyalty.ArtixCard) { c.ClientID = strings.Repeat("я", 101) }), "card.idclient"},
		{"card bad date", card(func(c *loyalty.ArtixCard) { c.ValidFrom = "31.12.2024" }), "card.validitydatebeg"},
		{"card ends before it starts", card(func(c *loyalty.ArtixCard) { c.ValidTo = "2023-12-31" }), "card.validitydateend"},
		{"card discount 101", card(func(c *loyalty.ArtixCard) { c.DiscountPercent = new(decimal.NewFromInt(101)) }), "card.discountpercent"},
		{"card discount 100", card(func(c *loyalty.ArtixCard) { c.DiscountPercent = new(decimal.NewFromInt(100)) }), ""},
		{"card nil", loyalty.ArtixCommand{Name: loyalty.ArtixAddCard}, "card"},
		{"group ok", group(func(*loyalty.ArtixCardGroup) {}), ""},
		{"group no id", group(func(g *loyalty.ArtixCardGroup) { g.ID = "" }), "cardGroup.idcardgroup"},
		{"group long name", group(func(g *loyalty.ArtixCardGroup) { g.Name = strings.Repeat("я", 201) }), "cardGroup.name"},
		{"group negative mode", group(func(g *loyalty.ArtixCardGroup) { g.Mode = new(loyalty.ArtixCardMode(-1)) }), "cardGroup.cardmode"},
		{"group nil", loyalty.ArtixCommand{Name: loyalty.ArtixAddCardGroup}, "cardGroup"},
		{"account ok", acc(loyalty.ArtixCardAccount{CardNumber: "1", AccountNumber: "1"}), ""},
		{"account pay only", acc(loyalty.ArtixCardAccount{CardNumber: "1", AccountNumber: "1", Status: loyalty.ArtixPayOnly}), ""},
		{"account no card", acc(loyalty.ArtixCardAccount{AccountNumber: "1"}), "ChangeCardAccount.cardNumber"},
		{"account no account", acc(loyalty.ArtixCardAccount{CardNumber: "1"}), "ChangeCardAccount.accountnumber"},
		{"account bad status", acc(loyalty.ArtixCardAccount{CardNumber: "1", AccountNumber: "1", Status: "earn_only"}), "ChangeCardAccount.cardstatus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cmd.Validate()
			var ve *loyalty.ValidationError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tc.field == "":
			case !errors.As(err, &ve):
				t.Fatalf("want a *ValidationError for %s, got %v", tc.field, err)
			case ve.Field != tc.field:
				t.Fatalf("refusal names %q, want %q (%v)", ve.Field, tc.field, err)
			}
		})
	}
}

// TestArtixRawCommandValidation: a raw command is checked as JSON and by
// the shape of its name and key, never by content.
func TestArtixRawCommandValidation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cmd     loyalty.ArtixCommand
		field   string // "" valid
		encoded string // the wire form of a valid command
	}{
		{"payload", loyalty.ArtixRawCommand("addUnit", "unit", json.RawMessage("{\"idunit\": 1,\n \"name\": \"шт\"}")), "", `{"command":"addUnit","unit":{"idunit":1,"name":"шт"}}`},
		{"no payload", loyalty.ArtixRawCommand("clearInventory", "", nil), "", `{"command":"clearInventory"}`},
		{"capitalised key", loyalty.ArtixRawCommand("addThing", "Thing_2", json.RawMessage(`[1,2]`)), "", `{"command":"addThing","Thing_2":[1,2]}`},
		{"scalar payload", loyalty.ArtixRawCommand("deleteUnit", "idunit", json.RawMessage(`"7"`)), "", `{"command":"deleteUnit","idunit":"7"}`},
		{"empty name", loyalty.ArtixRawCommand("", "unit", json.RawMessage(`{}`)), "command", ""},
		{"capital first letter", loyalty.ArtixRawCommand("AddUnit", "unit", json.RawMessage(`{}`)), "command", ""},
		{"space in name", loyalty.ArtixRawCommand("add unit", "unit", json.RawMessage(`{}`)), "command", ""},
		{"cyrillic name", loyalty.ArtixRawCommand("addЕдиница", "unit", json.RawMessage(`{}`)), "command", ""},
		{"long name", loyalty.ArtixRawCommand("a"+strings.Repeat("b", 100), "", nil), "command", ""},
		{"key command", loyalty.ArtixRawCommand("addUnit", "command", json.RawMessage(`{}`)), "key", ""},
		{"key with a quote", loyalty.ArtixRawCommand("addUnit", `u"nit`, json.RawMessage(`{}`)), "key", ""},
		{"payload without key", loyalty.ArtixRawCommand("addUnit", "", json.RawMessage(`{}`)), "key", ""},
		{"key without payload", loyalty.ArtixRawCommand("addUnit", "unit", nil), "unit", ""},
		{"malformed payload", loyalty.ArtixRawCommand("addUnit", "unit", json.RawMessage(`{"idunit":`)), "unit", ""},
		{"two values", loyalty.ArtixRawCommand("addUnit", "unit", json.RawMessage(`{} {}`)), "unit", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cmd.Validate()
			if tc.field != "" {
				var ve *loyalty.ValidationError
				if !errors.As(err, &ve) || ve.Field != tc.field {
					t.Fatalf("want a *ValidationError for %q, got %v", tc.field, err)
				}
				if _, err := json.Marshal(tc.cmd); err == nil {
					t.Errorf("a refused command was encoded")
				}
				return
			}
			if err != nil {
				t.Fatalf("want valid, got %v", err)
			}
			b, err := json.Marshal(tc.cmd)
			if err != nil || string(b) != tc.encoded {
				t.Errorf("encoded %s (%v), want %s", b, err, tc.encoded)
			}
		})
	}
}

// TestArtixSendSeqCardsFingerprinted: a later pass that yields other card
// groups, card bindings or raw payloads than the validation pass (none of
// which has an idclient) is caught, as changed clients are.
func TestArtixSendSeqCardsFingerprinted(t *testing.T) {
	for name, mk := range map[string]func(pass int) loyalty.ArtixCommand{
		"card group": func(pass int) loyalty.ArtixCommand {
			return loyalty.AddCardGroup(loyalty.ArtixCardGroup{ID: fmt.Sprint(pass)})
		},
		"card account": func(pass int) loyalty.ArtixCommand {
			return loyalty.AddChangeCardAccount(loyalty.ArtixCardAccount{CardNumber: fmt.Sprint(pass), AccountNumber: "1"})
		},
		"card": func(pass int) loyalty.ArtixCommand {
			return loyalty.AddCard(loyalty.ArtixCard{ID: fmt.Sprint(pass), Number: "1"})
		},
		"raw payload": func(pass int) loyalty.ArtixCommand {
			return loyalty.ArtixRawCommand("addUnit", "unit", json.RawMessage(fmt.Sprintf(`{"idunit":%d}`, pass)))
		},
	} {
		t.Run(name, func(t *testing.T) {
			pass := 0
			seq := func(yield func(loyalty.ArtixCommand) bool) {
				pass++
				yield(mk(pass))
			}
			srv := mock.NewServer(t)
			err := srv.Artix().SendSeq(context.Background(), seq)
			checkNotRewalkable(t, err)
		})
	}
}

// TestArtixObjectsDecode: the card, card group, ChangeCardAccount and
// client update objects decode as tolerantly as field writers send them (ids as
// numbers, 0/1 for booleans, numeric strings, null as absent), and a
// value of the wrong kind is an error naming the object and its key.
func TestArtixObjectsDecode(t *testing.T) {
	d := func(s string) *decimal.Decimal { return new(decimal.RequireFromString(s)) }
	cases := []struct {
		name, in string
		into     func() any // a new value to decode into
		want     any        // the decoded value, or nil
		err      string     // a text of the error, or ""
	}{
		{"card, loose", `{"idcard":2000000000022,"idcardgroup":"2","idclient":null,"number":"7","validitydatebeg":"2024-03-01","cardSum":"150.50","blocked":1,"discountpercent":5,"cardstatus":"3"}`,
			func() any { return new(loyalty.ArtixCard) },
			&loyalty.ArtixCard{ID: "2000000000022", GroupID: "2", Number: "7", ValidFrom: "2024-03-01", Sum: d("150.50"), Blocked: true, DiscountPercent: d("5"), Status: new(3)}, ""},
		{"card, blocked false", `{"idcard":"1","blocked":false}`,
			func() any { return new(loyalty.ArtixCard) }, &loyalty.ArtixCard{ID: "1"}, ""},
		{"card, id an object", `{"idcard":{}}`, func() any { return new(loyalty.ArtixCard) }, nil, "artix card idcard: "},
		{"card, sum a word", `{"cardSum":"lots"}`, func() any { return new(loyalty.ArtixCard) }, nil, "artix card cardSum: "},
		{"card, discount a word", `{"discountpercent":"x"}`, func() any { return new(loyalty.ArtixCard) }, nil, "artix card discountpercent: "},
		{"card, blocked 2", `{"blocked":2}`, func() any { return new(loyalty.ArtixCard) }, nil, "artix card blocked: "},
		{"card, status a word", `{"cardstatus":"x"}`, func() any { return new(loyalty.ArtixCard) }, nil, "artix card cardstatus: "},
		{"group, loose", `{"idcardgroup":2,"name":"Скидка","cardmode":"1","notaddemptycard":1,"pattern":"[0-9]","inputmask":7}`,
			func() any { return new(loyalty.ArtixCardGroup) },
			&loyalty.ArtixCardGroup{ID: "2", Name: "Скидка", Mode: new(loyalty.ArtixCardMode(1)), NotAddEmptyCard: new(true), Pattern: "[0-9]", InputMask: new(7)}, ""},
		{"group, nulls", `{"idcardgroup":"2","cardmode":null,"notaddemptycard":null,"inputmask":null}`,
			func() any { return new(loyalty.ArtixCardGroup) }, &loyalty.ArtixCardGroup{ID: "2"}, ""},
		{"group, name an array", `{"name":[]}`, func() any { return new(loyalty.ArtixCardGroup) }, nil, "artix cardGroup name: "},
		{"group, mode a word", `{"cardmode":"x"}`, func() any { return new(loyalty.ArtixCardGroup) }, nil, "artix cardGroup cardmode: "},
		{"group, notaddemptycard 5", `{"notaddemptycard":5}`, func() any { return new(loyalty.ArtixCardGroup) }, nil, "artix cardGroup notaddemptycard: "},
		{"group, inputmask 1.5", `{"inputmask":1.5}`, func() any { return new(loyalty.ArtixCardGroup) }, nil, "artix cardGroup inputmask: "},
		{"account, loose", `{"cardNumber":7,"accountnumber":"7","cardstatus":"EARN_PAY"}`,
			func() any { return new(loyalty.ArtixCardAccount) },
			&loyalty.ArtixCardAccount{CardNumber: "7", AccountNumber: "7", Status: loyalty.ArtixCardAccountStatus("EARN_PAY")}, ""},
		{"account, number an object", `{"cardNumber":{}}`, func() any { return new(loyalty.ArtixCardAccount) }, nil, "artix ChangeCardAccount cardNumber: "},
		{"account, status true", `{"cardstatus":true}`, func() any { return new(loyalty.ArtixCardAccount) }, nil, "artix ChangeCardAccount cardstatus: "},
		{"client update, loose", `{"idclient":5,"email":"a@b.ru","name":null,"birthday":"1980-01-02","sex":"1","childrencount":2,"subscriptionadj":"1"}`,
			func() any { return new(loyalty.ArtixCustomerUpdate) },
			&loyalty.ArtixCustomerUpdate{ID: "5", Email: new("a@b.ru"), BirthDate: new(loyalty.ArtixDate("1980-01-02")),
				Gender: new(loyalty.ArtixGender(1)), ChildrenCount: new(2), Subscribed: new(true)}, ""},
		{"client update, email an object", `{"email":{}}`, func() any { return new(loyalty.ArtixCustomerUpdate) }, nil, "artix client email: "},
		{"client update, birthday a list", `{"birthday":[]}`, func() any { return new(loyalty.ArtixCustomerUpdate) }, nil, "artix client birthday: "},
		{"client update, id an object", `{"idclient":{}}`, func() any { return new(loyalty.ArtixCustomerUpdate) }, nil, "artix client idclient: "},
		{"client update, sex a word", `{"sex":"f"}`, func() any { return new(loyalty.ArtixCustomerUpdate) }, nil, "artix client sex: "},
		{"client update, children 1.5", `{"childrencount":1.5}`, func() any { return new(loyalty.ArtixCustomerUpdate) }, nil, "artix client childrencount: "},
		{"client update, subscription 3", `{"subscriptionadj":3}`, func() any { return new(loyalty.ArtixCustomerUpdate) }, nil, "artix client subscriptionadj: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.into()
			err := json.Unmarshal([]byte(tc.in), got)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v; want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v; want none", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("decoded %+v; want %+v", got, tc.want)
			}
		})
	}
}
