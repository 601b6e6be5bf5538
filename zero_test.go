package loyalty_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
)

// A client or service that was not made by its constructor (a zero value,
// new(T), a nil field of a zero client) answers every call with a
// *ConfigError: never a panic.
func TestZeroValueClientsReturnConfigError(t *testing.T) {
	ctx := context.Background()
	var vp loyalty.VirtPOS
	var crm loyalty.CRM
	var ax loyalty.Artix
	type call struct {
		name string
		f    func() error
	}
	firstErr := func(seq iter.Seq2[loyalty.Customer, error]) error {
		for _, err := range seq {
			return err
		}
		return errors.New("the sequence yielded nothing")
	}
	customers := map[string]*loyalty.CustomerService{"nil": vp.Customers, "new": new(loyalty.CustomerService)}
	cards := map[string]*loyalty.CardService{"nil": vp.Cards, "new": new(loyalty.CardService)}
	contacts := map[string]*loyalty.ContactService{"nil": crm.Contacts, "new": new(loyalty.ContactService)}
	campaigns := map[string]*loyalty.CampaignService{"nil": crm.Campaigns, "new": new(loyalty.CampaignService)}
	dirs := map[string]*loyalty.DirectoryService{"nil": crm.Directory, "new": new(loyalty.DirectoryService)}
	axc := map[string]*loyalty.ArtixCustomerService{"nil": ax.Customers, "new": new(loyalty.ArtixCustomerService)}
	var calls []call
	for _, kind := range []string{"nil", "new"} {
		s, cs, co, ca, d, a := customers[kind], cards[kind], contacts[kind], campaigns[kind], dirs[kind], axc[kind]
		calls = append(calls,
			call{kind + " Customers.List", func() error { _, err := s.List(ctx, nil); return err }},
			call{kind + " Customers.All", func() error { return firstErr(s.All(ctx, nil)) }},
			call{kind + " Customers.Stream", func() error { return firstErr(s.Stream(ctx, nil)) }},
			call{kind + " Customers.Get", func() error { _, err := s.Get(ctx, 1); return err }},
			call{kind + " Customers.GetByExternalID", func() error { _, err := s.GetByExternalID(ctx, "x"); return err }},
			call{kind + " Customers.Update", func() error { _, err := s.Update(ctx, 1, &loyalty.CustomerUpdate{}); return err }},
			call{kind + " Customers.Create", func() error { _, err := s.Create(ctx, &loyalty.CustomerUpdate{}); return err }},
			call{kind + " Customers.UpsertMany", func() error {
				_, err := s.UpsertMany(ctx, []loyalty.CustomerUpsert{{Fields: &loyalty.CustomerUpdate{}}})
				return err
			}},
			call{kind + " Cards.Insert", func() error { _, err := cs.Insert(ctx, &loyalty.CardUpdate{UID: "1"}); return err }},
			call{kind + " Cards.Update", func() error {
				_, err := cs.Update(ctx, loyalty.CardRef{UID: "1"}, &loyalty.CardUpdate{})
				return err
			}},
			call{kind + " Cards.Delete", func() error { return cs.Delete(ctx, loyalty.CardRef{UID: "1"}) }},
			call{kind + " Cards.UpsertMany", func() error {
				_, err := cs.UpsertMany(ctx, []loyalty.CardUpdate{{UID: "1"}})
				return err
			}},
			call{kind + " Contacts.Find", func() error {
				_, err := co.Find(ctx, loyalty.ContactFilter{MobilePhone: "79161234567"})
				return err
			}},
			call{kind + " Contacts.Get", func() error { _, err := co.Get(ctx, uuid.New()); return err }},
			call{kind + " Contacts.Create", func() error { _, err := co.Create(ctx, loyalty.NewContact{}); return err }},
			call{kind + " Contacts.BindVirtualCard", func() error {
				_, err := co.BindVirtualCard(ctx, loyalty.VirtualCardRequest{ContactID: uuid.New(), CardTypeID: uuid.New()})
				return err
			}},
			call{kind + " Contacts.BindPhysicalCard", func() error {
				_, err := co.BindPhysicalCard(ctx, loyalty.PhysicalCardRequest{ContactID: uuid.New(), CardNumber: "777"})
				return err
			}},
			call{kind + " Campaigns.ByCard", func() error { _, err := ca.ByCard(ctx, uuid.New()); return err }},
			call{kind + " Campaigns.ByContact", func() error { _, err := ca.ByContact(ctx, uuid.New()); return err }},
			call{kind + " Directory.SalesOutlets", func() error { _, err := d.SalesOutlets(ctx, uuid.New()); return err }},
			call{kind + " Directory.Regions", func() error { _, err := d.Regions(ctx); return err }},
			call{kind + " Directory.CardTypes", func() error { _, err := d.CardTypes(ctx, nil); return err }},
			call{kind + " Directory.Partners", func() error { _, err := d.Partners(ctx); return err }},
			call{kind + " Artix.Customers.Add", func() error { return a.Add(ctx, loyalty.ArtixCustomer{ID: "1"}) }},
			call{kind + " Artix.Customers.Update", func() error {
				return a.Update(ctx, loyalty.ArtixCustomerUpdate{ID: "1", Email: new("a@b.ru")})
			}},
			call{kind + " Artix.Customers.Delete", func() error { return a.Delete(ctx, "1") }},
			call{kind + " Artix.Customers.Clear", func() error { return a.Clear(ctx) }},
		)
	}
	calls = append(calls,
		call{"zero Artix.Send", func() error { return ax.Send(ctx, loyalty.DeleteClient("1")) }},
		call{"nil Artix.Send", func() error { return (*loyalty.Artix)(nil).Send(ctx, loyalty.DeleteClient("1")) }},
		call{"zero Artix.SendSeq", func() error { return ax.SendSeq(ctx, slices.Values([]loyalty.ArtixCommand{loyalty.ClearClient()})) }},
		call{"zero Artix.SendBatch", func() error {
			_, err := ax.SendBatch(ctx, loyalty.ArtixBatch{Commands: slices.Values([]loyalty.ArtixCommand{loyalty.ClearClient()})})
			return err
		}},
	)
	var cs loyalty.ArtixCashServer
	for kind, c := range map[string]*loyalty.ArtixClientService{"nil": cs.Clients, "new": new(loyalty.ArtixClientService)} {
		calls = append(calls,
			call{kind + " ArtixCashServer.Clients.Get", func() error { _, err := c.Get(ctx, "1"); return err }},
			call{kind + " ArtixCashServer.Clients.All", func() error {
				for _, err := range c.All(ctx) {
					return err
				}
				return errors.New("the sequence yielded nothing")
			}},
		)
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				err = c.f()
			}()
			var ce *loyalty.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ConfigError", err)
			}
		})
	}
	// Accessors of a zero client answer their zero value.
	if vp.Format() != "" || crm.CommercialFirmID() != "" || (*loyalty.CRM)(nil).ParamStyle() != loyalty.ParamsJSON {
		t.Error("accessors of a zero client")
	}
}
