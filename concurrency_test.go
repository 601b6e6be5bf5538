package loyalty_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// TestConcurrentClients shares one client of each API between 64
// goroutines that mix reads and writes (with 429s thrown in, so retries
// run concurrently too); run it with -race. Afterwards every write is in
// the mock exactly once.
func TestConcurrentClients(t *testing.T) {
	const workers = 64
	srv := mock.NewServer(t)
	srv.RequireArtixAuth("admin", "secret")
	// 20 faults and 20 retries: however the 429s fall, no call runs out.
	const faults = 20
	retry := loyalty.WithRetry(faults, time.Millisecond, 5*time.Millisecond)
	vp, crm, ax := srv.VirtPOS(retry), srv.CRM(retry), srv.Artix(retry)
	srv.Fail(mock.Fault{Status: 429, RetryAfter: "0", Times: faults})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var (
		mu         sync.Mutex
		customerID = map[int64]int{}     // VirtPOS id → worker
		contactID  = map[uuid.UUID]int{} // CRM id → worker
	)
	var wg sync.WaitGroup
	errs := make(chan error, workers*8)
	for i := range workers {
		wg.Go(func() {
			fail := func(what string, err error) { errs <- fmt.Errorf("worker %d: %s: %w", i, what, err) }

			if c, err := vp.Customers.Get(ctx, int64(i%mock.DefaultCustomers+1)); err != nil || c.ID != int64(i%mock.DefaultCustomers+1) {
				fail("Customers.Get", err)
			}
			res, err := vp.Customers.Create(ctx, &loyalty.CustomerUpdate{FirstName: new("Поток"), ExternalID: new(fmt.Sprintf("conc-%d", i))})
			if err != nil {
				fail("Customers.Create", err)
			} else {
				mu.Lock()
				customerID[res.ID] = i
				mu.Unlock()
			}
			if _, err := vp.Cards.Insert(ctx, &loyalty.CardUpdate{UID: fmt.Sprintf("88%04d", i), Medium: loyalty.MediumApp}); err != nil {
				fail("Cards.Insert", err)
			}
			if i%8 == 0 {
				n := 0
				for _, err := range vp.Customers.All(ctx, &loyalty.CustomerQuery{PageSize: 25}) {
					if err != nil {
						fail("Customers.All", err)
						break
					}
					n++
				}
				if n < mock.DefaultCustomers {
					fail("Customers.All", fmt.Errorf("%d customers", n))
				}
			}

			if _, err := crm.Contacts.Get(ctx, mock.CRMContactID); err != nil {
				fail("Contacts.Get", err)
			}
			id, err := crm.Contacts.Create(ctx, loyalty.NewContact{
				Contact:      loyalty.PersonalData{MobilePhone: fmt.Sprintf("7990000%04d", i), FirstName: "Поток"},
				Registration: loyalty.Registration{SalesOutletID: mock.CRMOutletID},
			})
			if err != nil {
				fail("Contacts.Create", err)
			} else {
				mu.Lock()
				contactID[id] = i
				mu.Unlock()
			}
			if _, err := crm.Directory.Partners(ctx); err != nil {
				fail("Directory.Partners", err)
			}

			cid := fmt.Sprintf("conc-%d", i)
			if err := ax.Customers.Add(ctx, loyalty.ArtixCustomer{ID: cid, FirstName: "Поток"}); err != nil {
				fail("Artix Add", err)
			}
			if err := ax.Send(ctx, loyalty.UpdateClient(loyalty.ArtixCustomerUpdate{ID: cid, Phone: new(fmt.Sprintf("8990000%04d", i))})); err != nil {
				fail("Artix Send", err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	faulted := 0
	for _, r := range srv.Requests() {
		if r.Faulted {
			faulted++
		}
	}
	if faulted != faults {
		t.Errorf("%d requests answered 429, want %d (retried)", faulted, faults)
	}

	// VirtPOS: one customer and one card per worker, the ids handed out
	// to distinct workers.
	if len(customerID) != workers {
		t.Errorf("%d distinct customer ids for %d creates", len(customerID), workers)
	}
	named := map[string]int{}
	for _, c := range srv.VirtPOSCustomers() {
		if c.FirstName == "Поток" {
			named[c.ExternalID]++
			if w, ok := customerID[c.ID]; !ok {
				t.Errorf("customer %d (%s) was not created by the worker that got its id; want ok", c.ID, c.ExternalID)
			} else if c.ExternalID != fmt.Sprintf("conc-%d", w) {
				t.Errorf("customer %d (%s) was not created by the worker that got its id; want c.ExternalID == fmt.Sprintf(\"conc-%%d\", w)", c.ID, c.ExternalID)
			}
		}
	}
	if len(named) != workers {
		t.Errorf("%d workers' customers in the mock, want %d", len(named), workers)
	}
	for ext, n := range named {
		if n != 1 {
			t.Errorf("customer %s is in the mock %d times", ext, n)
		}
	}
	for i := range workers {
		if _, ok := srv.VirtPOSCard(fmt.Sprintf("88%04d", i)); !ok {
			t.Errorf("card 88%04d is missing", i)
		}
	}

	// CRM: one contact per worker, found by its phone.
	if len(contactID) != workers {
		t.Errorf("%d distinct contact ids for %d creates", len(contactID), workers)
	}
	for id, w := range contactID {
		found, err := crm.Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: fmt.Sprintf("7990000%04d", w)})
		if err != nil {
			t.Errorf("worker %d's contact: %v, %v; want err == nil", w, found, err)
		} else if len(found) != 1 {
			t.Errorf("worker %d's contact: %v, %v; want len(found) == 1", w, found, err)
		} else if found[0].Contact.ContactID != id {
			t.Errorf("worker %d's contact: %v, %v; want found[0].Contact.ContactID == id", w, found, err)
		}
	}

	// Artix: one record per worker, with both commands applied.
	clients := srv.ArtixCustomers()
	for i := range workers {
		c, ok := clients[fmt.Sprintf("conc-%d", i)]
		if !ok {
			t.Errorf("artix record conc-%d: %+v (present %v); want ok", i, c, ok)
		} else if c.Phone != fmt.Sprintf("8990000%04d", i) {
			t.Errorf("artix record conc-%d: %+v (present %v); want c.Phone == fmt.Sprintf(\"8990000%%04d\", i)", i, c, ok)
		}
	}
	if len(clients) != workers+countSeedArtix(t) {
		t.Errorf("%d artix records, want %d", len(clients), workers)
	}
}

// countSeedArtix is how many Artix records a fresh mock holds.
func countSeedArtix(t *testing.T) int {
	return mock.NewServer(t).ArtixCustomerCount()
}
