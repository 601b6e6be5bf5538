package chainsync

import (
	"context"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// TestReadBackDigestAgreesWithItsVersion: a Cash Server holding exactly a
// version's clients agrees with it; one whose directory was changed
// behind the engine's back (a client deleted, a phone changed) does not.
func TestReadBackDigestAgreesWithItsVersion(t *testing.T) {
	ctx := context.Background()
	store := NewMemStore()
	if _, err := Snapshot(ctx, store, customers(customer(1, "Анна"), customer(2, "Борис"), customer(3, "Вера"))); err != nil {
		t.Fatal(err)
	}
	srv, err := mock.NewInMemory(mock.Config{Customers: 1})
	if err != nil {
		t.Fatal(err)
	}
	cs := srv.ArtixCashServer()
	// The mock may start with clients of its own: clear them first.
	for id := range srv.ArtixCustomers() {
		if err := cs.Customers.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	cmds, err := store.Changes(ctx, 0, 1, true, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		var a loyalty.ArtixCustomer
		if err := a.UnmarshalJSON(c.Record); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Customers.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	want, err := VersionDigest(ctx, store, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ReadBackDigest(cs.Customers.All(ctx)); err != nil || got != want {
		t.Fatalf("read-back of the loaded directory: %+v, %v; want %+v (the version's)", got, err, want)
	}
	if err := cs.Customers.Delete(ctx, "2"); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadBackDigest(cs.Customers.All(ctx)); err != nil || got == want {
		t.Errorf("read-back after a client was deleted behind the engine's back: %+v, %v; want a digest other than the version's %+v", got, err, want)
	}
}
