package mock

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
)

// This file implements the stateful interface (at its end) for the three
// sides: each snapshot is marshalled under the side's lock (so the JSON is
// one consistent state), and restore replaces the whole state of its side
// only once the data has decoded and checked out.
//
// The formats are versioned by their shape only; they are meant for
// Snapshot/Restore and the -dump/-load files of cmd/loyalty-mock.

// virtposState is the VirtPOS side as JSON. Customers use their wire form
// (loyalty.Customer's MarshalJSON).
type virtposState struct {
	Customers []loyalty.Customer `json:"customers"`
	Groups    map[int64]string   `json:"groups"`
	Cards     []Card             `json:"cards"`
	CardTypes map[int64]string   `json:"card_types"`
	Next      virtposCounters    `json:"next"`
}

// virtposCounters are the last ids given out.
type virtposCounters struct {
	Customer int64 `json:"customer"`
	Group    int64 `json:"group"`
	Card     int64 `json:"card"`
	CardType int64 `json:"card_type"`
	UID      int64 `json:"uid"`
}

func (a *virtposAPI) snapshot() any {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := virtposState{
		Customers: values(a.customers),
		Cards:     values(a.cards),
		Groups:    a.groups, CardTypes: a.cardTypes,
		Next: virtposCounters{Customer: a.nextCust, Group: a.nextGroup, Card: a.nextCard, CardType: a.nextType, UID: a.nextUID},
	}
	return marshalRaw(st)
}

// MaxRestoredID is the largest id or counter a restored state may hold
// (2^53-1, the largest integer every JSON reader keeps exact): the ids
// made after it stay far from overflowing.
const MaxRestoredID = 1<<53 - 1

// checkIDs refuses ids outside 1..MaxRestoredID (what the ids are is
// named by what) and, when sorted, repeated ones.
func checkIDs(what string, ids []int64, sorted bool) error {
	for i, id := range ids {
		if id <= 0 || id > MaxRestoredID {
			return fmt.Errorf("%s id %d: want 1 to %d", what, id, int64(MaxRestoredID))
		}
		if sorted && i > 0 && id == ids[i-1] {
			return fmt.Errorf("%s id %d: repeated", what, id)
		}
	}
	return nil
}

// restore checks data and returns the commit that installs it.
func (a *virtposAPI) restore(data json.RawMessage) (func(), error) {
	var st virtposState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, err
	}
	slices.SortStableFunc(st.Customers, func(x, y loyalty.Customer) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortStableFunc(st.Cards, func(x, y Card) int { return cmp.Compare(x.ID, y.ID) })
	n := st.Next
	custIDs, cardIDs := make([]int64, len(st.Customers)), make([]int64, len(st.Cards))
	for i := range st.Customers {
		custIDs[i] = st.Customers[i].ID
	}
	for i := range st.Cards {
		cardIDs[i] = st.Cards[i].ID
	}
	err := errors.Join(
		checkIDs("customer", custIDs, true),
		checkIDs("card", cardIDs, true),
		checkIDs("group", slices.Collect(maps.Keys(st.Groups)), false),
		checkIDs("card type", slices.Collect(maps.Keys(st.CardTypes)), false),
	)
	for name, v := range map[string]int64{"customer": n.Customer, "group": n.Group, "card": n.Card, "card_type": n.CardType, "uid": n.UID} {
		if v < 0 || v > MaxRestoredID {
			err = errors.Join(err, fmt.Errorf("next.%s %d: want 0 to %d", name, v, int64(MaxRestoredID)))
		}
	}
	if err != nil {
		return nil, err
	}
	return func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.customers, a.cards, a.byID = nil, nil, map[int64]*loyalty.Customer{}
		a.nextCust = 0
		for i := range st.Customers {
			a.put(&st.Customers[i])
		}
		for i := range st.Cards {
			a.cards = append(a.cards, &st.Cards[i])
		}
		a.groups, a.cardTypes = st.Groups, st.CardTypes
		if a.groups == nil {
			a.groups = map[int64]string{}
		}
		if a.cardTypes == nil {
			a.cardTypes = map[int64]string{}
		}
		// Counters never go below an id in use, whatever the file says.
		a.nextCust = max(a.nextCust, n.Customer)
		a.nextCard = n.Card
		if k := len(a.cards); k > 0 {
			a.nextCard = max(a.nextCard, a.cards[k-1].ID)
		}
		a.nextGroup, a.nextType, a.nextUID = n.Group, n.CardType, n.UID
		for id := range a.groups {
			a.nextGroup = max(a.nextGroup, id)
		}
		for id := range a.cardTypes {
			a.nextType = max(a.nextType, id)
		}
	}, nil
}

// crmStateJSON is the CRM side as JSON. The records keep the wire form of
// the loyalty types (named fields, not embedded: their MarshalJSON would
// swallow the mock's own fields).
type crmStateJSON struct {
	Partners  []crmPartnerJSON       `json:"partners"`
	Regions   []loyalty.Region       `json:"regions"`
	Outlets   []crmOutletJSON        `json:"outlets"`
	CardTypes []crmCardTypeJSON      `json:"card_types"`
	Pools     map[uuid.UUID][]string `json:"pools"` // free virtual card numbers per card type
	Cards     []crmCardJSON          `json:"cards"`
	Contacts  []crmContactJSON       `json:"contacts"`
	Campaigns []crmCampaignJSON      `json:"campaigns"`
	Seq       int                    `json:"seq"` // counter of derived ids
}

type crmPartnerJSON struct {
	Partner loyalty.Partner `json:"partner"`
	Active  bool            `json:"active"`
}

type crmOutletJSON struct {
	Outlet  loyalty.SalesOutlet `json:"outlet"`
	Partner uuid.UUID           `json:"partner"`
}

type crmCardTypeJSON struct {
	CardType loyalty.CardType `json:"card_type"`
	Partner  *uuid.UUID       `json:"partner"`
	Active   bool             `json:"active"`
	Virtual  bool             `json:"virtual"`
}

type crmCardJSON struct {
	Card  loyalty.BonusCard `json:"card"`
	Owner *uuid.UUID        `json:"owner"`
	PIN   bool              `json:"pin,omitempty"` // protected by a PIN: binding it fails (CodeManzanaWrongPIN)
}

type crmContactJSON struct {
	Contact       loyalty.Contact       `json:"contact"`
	Cards         []string              `json:"cards"` // numbers, in binding order
	Communication loyalty.Communication `json:"communication"`
}

type crmCampaignJSON struct {
	Campaign loyalty.PersonalCampaign `json:"campaign"`
	Card     *uuid.UUID               `json:"card"` // null: every card of the contact
	Contact  uuid.UUID                `json:"contact"`
}

func (a *crmAPI) snapshot() any {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.st
	out := crmStateJSON{Regions: st.regions, Pools: st.pools, Seq: st.seq}
	for _, p := range st.partners {
		out.Partners = append(out.Partners, crmPartnerJSON{p.Partner, p.active})
	}
	for _, o := range st.outlets {
		out.Outlets = append(out.Outlets, crmOutletJSON{o.SalesOutlet, o.partner})
	}
	for _, t := range st.cardTypes {
		out.CardTypes = append(out.CardTypes, crmCardTypeJSON{t.CardType, t.partner, t.active, t.virtual})
	}
	for _, n := range slices.Sorted(maps.Keys(st.cards)) {
		c := st.cards[n]
		out.Cards = append(out.Cards, crmCardJSON{c.BonusCard, c.owner, c.pin})
	}
	for _, c := range st.contacts {
		out.Contacts = append(out.Contacts, crmContactJSON{c.Contact, c.cards, c.comm})
	}
	for _, c := range st.campaigns {
		out.Campaigns = append(out.Campaigns, crmCampaignJSON{c.PersonalCampaign, c.card, c.contact})
	}
	return marshalRaw(out)
}

// restore checks data and returns the commit that installs it.
func (a *crmAPI) restore(data json.RawMessage) (func(), error) {
	var in crmStateJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	if in.Seq < 0 || int64(in.Seq) > MaxRestoredID {
		return nil, fmt.Errorf("seq %d: want 0 to %d", in.Seq, int64(MaxRestoredID))
	}
	st := &crmState{regions: in.Regions, pools: map[uuid.UUID][]string{}, cards: map[string]*crmCard{}, seq: in.Seq}
	maps.Copy(st.pools, in.Pools)
	for _, p := range in.Partners {
		st.partners = append(st.partners, &crmPartner{p.Partner, p.Active})
	}
	for _, o := range in.Outlets {
		st.outlets = append(st.outlets, crmOutlet{o.Outlet, o.Partner})
	}
	for _, t := range in.CardTypes {
		st.cardTypes = append(st.cardTypes, &crmCardType{t.CardType, t.Partner, t.Active, t.Virtual})
	}
	for _, c := range in.Cards {
		if c.Card.Number == "" {
			return nil, fmt.Errorf("card %s: no number", c.Card.ID)
		}
		if _, dup := st.cards[c.Card.Number]; dup {
			return nil, fmt.Errorf("card number %s: repeated", c.Card.Number)
		}
		st.cards[c.Card.Number] = &crmCard{c.Card, c.Owner, c.PIN}
	}
	for _, c := range in.Contacts {
		for _, n := range c.Cards {
			if _, ok := st.cards[n]; !ok {
				return nil, fmt.Errorf("contact %s: card %s is not in cards", c.Contact.ContactID, n)
			}
		}
		st.contacts = append(st.contacts, &crmContact{c.Contact, c.Cards, c.Communication})
	}
	for _, c := range in.Campaigns {
		st.campaigns = append(st.campaigns, crmCampaign{c.Campaign, c.Card, c.Contact})
	}
	return func() {
		a.mu.Lock()
		a.st = st
		a.mu.Unlock()
	}, nil
}

// marshalRaw encodes v while the caller still holds its lock. If that
// fails, the value returned fails Snapshot's own encoding with the error.
func marshalRaw(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return failedJSON{err}
	}
	return json.RawMessage(b)
}

// failedJSON carries an encoding error to Snapshot.
type failedJSON struct{ err error }

func (f failedJSON) MarshalJSON() ([]byte, error) { return nil, f.err }

// stateful is implemented by the API sides that can dump and load their
// data. restore only checks: the commit it returns installs the data, so a
// state refused for one side changes none.
type stateful interface {
	snapshot() any
	restore(json.RawMessage) (commit func(), err error)
}

// Snapshot is the mock's data (customers, cards, contacts, the Artix
// directory…) as JSON, for Restore or for a file.
func (s *Server) Snapshot() ([]byte, error) {
	out := map[API]any{}
	for api, side := range s.sides() {
		if st, ok := side.(stateful); ok {
			out[api] = st.snapshot()
		}
	}
	return json.MarshalIndent(out, "", "  ")
}

// Restore replaces the data of each API present in data (as made by
// Snapshot); APIs absent from data keep theirs. It is all or nothing: when
// any side's data is refused, no side changes.
func (s *Server) Restore(data []byte) error {
	var in map[API]json.RawMessage
	if err := json.Unmarshal(data, &in); err != nil {
		return fmt.Errorf("mock: restore: %w", err)
	}
	sides := s.sides()
	var commits []func()
	for api, raw := range in {
		side, ok := sides[api]
		if !ok {
			return fmt.Errorf("mock: restore: unknown API %q", api)
		}
		st, ok := side.(stateful)
		if !ok {
			return fmt.Errorf("mock: restore: the %s side cannot load data", api)
		}
		commit, err := st.restore(raw)
		if err != nil {
			return fmt.Errorf("mock: restore %s: %w", api, err)
		}
		commits = append(commits, commit)
	}
	for _, commit := range commits {
		commit()
	}
	return nil
}

func (s *Server) sides() map[API]any {
	return map[API]any{VirtPOSAPI: s.vp, CRMAPI: s.crm, ArtixAPI: s.ax}
}
