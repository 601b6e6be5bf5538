package mock

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/loyaltykit/loyalty"
)

// MaxArtixRawCommands bounds the raw (untyped) dictionary commands one
// tenant's Artix side keeps; a batch that would pass it is refused whole.
const MaxArtixRawCommands = 100_000

// artixDicts are the Artix dictionaries besides the clients: the card
// dictionaries the field writes beside addClient (cards by idcard, card
// groups by idcardgroup, account bindings by card number), and every other
// dictionary command kept as it came, by dictionary (its payload key, or
// its name when it has none), in arrival order. The mock does not
// interpret those: clearInventory is kept, not applied.
type artixDicts struct {
	cards    map[string]loyalty.ArtixCard
	groups   map[string]loyalty.ArtixCardGroup
	accounts map[string]loyalty.ArtixCardAccount
	raw      map[string][]loyalty.ArtixCommand
	rawN     int
}

func newArtixDicts() artixDicts {
	return artixDicts{cards: map[string]loyalty.ArtixCard{}, groups: map[string]loyalty.ArtixCardGroup{},
		accounts: map[string]loyalty.ArtixCardAccount{}, raw: map[string][]loyalty.ArtixCommand{}}
}

// artixNext is a batch being applied: the maps it writes are copied on
// first write, so a refused batch leaves the directory as it was.
type artixNext struct {
	clients map[string]loyalty.ArtixCustomer
	d       artixDicts
	cloned  [5]bool // clients, cards, groups, accounts, raw
}

func (n *artixNext) clientsW() map[string]loyalty.ArtixCustomer {
	return cloneOnce(&n.clients, &n.cloned[0])
}

func cloneOnce[M ~map[K]V, K comparable, V any](m *M, done *bool) M {
	if !*done {
		*m, *done = maps.Clone(*m), true
	}
	return *m
}

// apply runs cmds in order, all or nothing.
func (a *artixAPI) apply(cmds []loyalty.ArtixCommand) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := artixNext{clients: a.clients, d: a.dicts}
	for i, c := range cmds {
		if err := n.apply(c); err != nil {
			return &artixBatchError{index: i, err: err}
		}
	}
	a.clients, a.dicts = n.clients, n.d
	return nil
}

func (n *artixNext) apply(c loyalty.ArtixCommand) error {
	if c.IsRaw() {
		if n.d.rawN >= MaxArtixRawCommands {
			return fmt.Errorf("%s: the mock keeps at most %d raw dictionary commands (POST /_mock/reset empties them)", c.Name, MaxArtixRawCommands)
		}
		raw := cloneOnce(&n.d.raw, &n.cloned[4])
		dict := c.Dictionary()
		// The stored slice is never appended to in place: a copy per batch.
		raw[dict] = append(slices.Clip(raw[dict]), c)
		n.d.rawN++
		return nil
	}
	switch c.Name {
	case loyalty.ArtixAddClient:
		// Records are never changed in place (an update makes a new
		// record), so the decoded command's record can be kept as it is.
		n.clientsW()[c.Client.ID] = *c.Client
	case loyalty.ArtixUpdateClient:
		rec, ok := n.clients[c.Update.ID]
		if !ok {
			return fmt.Errorf("updateClient: no client with idclient %q", c.Update.ID)
		}
		rec, err := applyArtixUpdate(rec, *c.Update)
		if err != nil {
			return fmt.Errorf("updateClient %q: %w", c.Update.ID, err)
		}
		n.clientsW()[rec.ID] = rec
	case loyalty.ArtixDeleteClient:
		if _, ok := n.clients[c.ID]; ok {
			delete(n.clientsW(), c.ID)
		}
	case loyalty.ArtixClearClient:
		n.clients, n.cloned[0] = map[string]loyalty.ArtixCustomer{}, true
	case loyalty.ArtixAddCard:
		cloneOnce(&n.d.cards, &n.cloned[1])[c.Card.ID] = *c.Card
	case loyalty.ArtixAddCardGroup:
		cloneOnce(&n.d.groups, &n.cloned[2])[c.CardGroup.ID] = *c.CardGroup
	case loyalty.ArtixAddChangeCardAccount:
		cloneOnce(&n.d.accounts, &n.cloned[3])[c.CardAccount.CardNumber] = *c.CardAccount
	}
	return nil
}

// ArtixCards returns a copy of the Artix card dictionary by idcard.
func (s *Server) ArtixCards() map[string]loyalty.ArtixCard {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	out := make(map[string]loyalty.ArtixCard, len(s.ax.dicts.cards))
	for id, c := range s.ax.dicts.cards {
		out[id] = c.Clone()
	}
	return out
}

// ArtixCustomerCards returns the cards whose idclient is id, by idcard: the
// cards a till finds that client by.
func (s *Server) ArtixCustomerCards(id string) []loyalty.ArtixCard {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	var out []loyalty.ArtixCard
	for _, c := range s.ax.dicts.cards {
		if c.ClientID == id {
			out = append(out, c.Clone())
		}
	}
	slices.SortFunc(out, func(a, b loyalty.ArtixCard) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// ArtixCardGroups returns a copy of the Artix card groups by idcardgroup.
func (s *Server) ArtixCardGroups() map[string]loyalty.ArtixCardGroup {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	out := make(map[string]loyalty.ArtixCardGroup, len(s.ax.dicts.groups))
	for id, g := range s.ax.dicts.groups {
		out[id] = g.Clone()
	}
	return out
}

// ArtixCardAccounts returns a copy of the card-to-account bindings
// (addChangeCardAccount) by card number.
func (s *Server) ArtixCardAccounts() map[string]loyalty.ArtixCardAccount {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	return maps.Clone(s.ax.dicts.accounts)
}

// ArtixDictionary returns the raw commands (ArtixRawCommand, or any
// command the SDK does not type) filed under dictionary name, oldest
// first: their payload key ("unit" for addUnit), or their name when they
// have none ("clearInventory").
func (s *Server) ArtixDictionary(name string) []loyalty.ArtixCommand {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	out := slices.Clone(s.ax.dicts.raw[name])
	for i := range out {
		out[i].Payload = bytes.Clone(out[i].Payload)
	}
	return out
}

// ArtixDictionaries returns the names ArtixDictionary files raw commands
// under, sorted.
func (s *Server) ArtixDictionaries() []string {
	s.ax.mu.Lock()
	defer s.ax.mu.Unlock()
	return slices.Sorted(maps.Keys(s.ax.dicts.raw))
}
