package mock

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/loyaltykit/loyalty"
)

// artixState is the Artix side's data as JSON: the client directory
// ordered by idclient, each record in the addClient wire form; the card
// dictionaries ordered by their ids, in the wire form of addCard,
// addCardGroup and addChangeCardAccount; and the raw commands by
// dictionary, each in its wire form ({"command": …, key: payload}).
type artixState struct {
	Clients      []loyalty.ArtixCustomer           `json:"clients"`
	Cards        []loyalty.ArtixCard               `json:"cards,omitempty"`
	CardGroups   []loyalty.ArtixCardGroup          `json:"card_groups,omitempty"`
	CardAccounts []loyalty.ArtixCardAccount        `json:"card_accounts,omitempty"`
	Dictionaries map[string][]loyalty.ArtixCommand `json:"dictionaries,omitempty"`
}

func (a *artixAPI) snapshot() any {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := artixState{Clients: make([]loyalty.ArtixCustomer, 0, len(a.clients))}
	for _, id := range slices.Sorted(maps.Keys(a.clients)) {
		st.Clients = append(st.Clients, a.clients[id])
	}
	d := a.dicts
	for _, id := range slices.Sorted(maps.Keys(d.cards)) {
		st.Cards = append(st.Cards, d.cards[id])
	}
	for _, id := range slices.Sorted(maps.Keys(d.groups)) {
		st.CardGroups = append(st.CardGroups, d.groups[id])
	}
	for _, id := range slices.Sorted(maps.Keys(d.accounts)) {
		st.CardAccounts = append(st.CardAccounts, d.accounts[id])
	}
	if len(d.raw) > 0 {
		st.Dictionaries = d.raw
	}
	return marshalRaw(st)
}

// restore checks data and returns the commit that installs it.
func (a *artixAPI) restore(data json.RawMessage) (func(), error) {
	var st artixState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, err
	}
	clients := make(map[string]loyalty.ArtixCustomer, len(st.Clients))
	for _, c := range st.Clients {
		if c.ID == "" {
			return nil, fmt.Errorf("a client without idclient")
		}
		clients[c.ID] = c
	}
	d := newArtixDicts()
	for _, c := range st.Cards {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("card %q: %w", c.ID, err)
		}
		d.cards[c.ID] = c
	}
	for _, g := range st.CardGroups {
		if err := g.Validate(); err != nil {
			return nil, fmt.Errorf("card group %q: %w", g.ID, err)
		}
		d.groups[g.ID] = g
	}
	for _, acc := range st.CardAccounts {
		if err := acc.Validate(); err != nil {
			return nil, fmt.Errorf("card account %q: %w", acc.CardNumber, err)
		}
		d.accounts[acc.CardNumber] = acc
	}
	for name, cmds := range st.Dictionaries {
		for _, c := range cmds {
			if !c.IsRaw() || c.Dictionary() != name {
				return nil, fmt.Errorf("dictionaries %q: command %q is not a raw command of that dictionary", name, c.Name)
			}
		}
		d.raw[name] = slices.Clip(cmds)
		d.rawN += len(cmds)
	}
	if d.rawN > MaxArtixRawCommands {
		return nil, fmt.Errorf("dictionaries: %d raw commands, at most %d", d.rawN, MaxArtixRawCommands)
	}
	return func() {
		a.mu.Lock()
		a.clients, a.dicts = clients, d
		a.mu.Unlock()
	}, nil
}
