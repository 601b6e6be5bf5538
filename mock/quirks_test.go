package mock

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// Quirks.VirtualCardPool: each virtual card type holds that many cards,
// and the bind past them fails with 10080, as Manzana's per-type pool
// runs out.
func TestQuirksVirtualCardPoolRunsOut(t *testing.T) {
	srv := NewServer(t, Config{Quirks: Quirks{VirtualCardPool: 2}})
	crm := srv.CRM()
	req := loyalty.VirtualCardRequest{ContactID: CRMContact2ID, CardTypeID: CRMEmptyPoolCardTypeID}
	for i := range 2 {
		if _, err := crm.Contacts.BindVirtualCard(t.Context(), req); err != nil {
			t.Fatalf("bind %d of a pool of 2: %v", i+1, err)
		}
	}
	_, err := crm.Contacts.BindVirtualCard(t.Context(), req)
	if !errors.Is(err, loyalty.CodeNoVirtualCardsAvailable) {
		t.Fatalf("third bind: %v, want 10080", err)
	}
	// Reset restores Config.Quirks: the pool is full again.
	srv.Reset()
	if _, err := crm.Contacts.BindVirtualCard(t.Context(), req); err != nil {
		t.Errorf("after Reset: %v, want a card", err)
	}
}

// Quirks.BindPhysicalCardPIN refuses every physical bind with the
// unlisted 100961; without it only the PIN-protected seed card is.
func TestQuirksBindPhysicalCardPIN(t *testing.T) {
	srv := NewServer(t)
	crm := srv.CRM()
	bind := func(number string) error {
		_, err := crm.Contacts.BindPhysicalCard(t.Context(), loyalty.PhysicalCardRequest{ContactID: CRMContact2ID, CardNumber: number})
		return err
	}
	if err := bind(CRMPINCardNumber); !errors.Is(err, CodeManzanaWrongPIN) {
		t.Errorf("the PIN card: %v, want 100961", err)
	}
	if err := srv.SetQuirks(Quirks{BindPhysicalCardPIN: true}); err != nil {
		t.Fatal(err)
	}
	if err := bind(CRMFreeCardNumber); !errors.Is(err, CodeManzanaWrongPIN) {
		t.Errorf("a free card under bind_physical_card_pin: %v, want 100961", err)
	}
	if err := srv.SetQuirks(Quirks{}); err != nil {
		t.Fatal(err)
	}
	if err := bind(CRMFreeCardNumber); err != nil {
		t.Errorf("a free card without the quirk: %v, want it bound", err)
	}
}

// A quirk the mock cannot honour is refused, by Go and by the admin API.
func TestQuirksRefused(t *testing.T) {
	srv := NewServer(t)
	if err := srv.SetQuirks(Quirks{VirtualCardPool: -1}); err == nil {
		t.Error("SetQuirks accepted a negative pool")
	}
	if _, err := Start(Config{Quirks: Quirks{VirtualCardPool: maxVirtualCardPool + 1}}); err == nil {
		t.Error("Start accepted a pool over the limit")
	}
	for _, body := range []string{`{"virtual_card_pool":-3}`, `{"card_write_id":true}`, `[]`} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, srv.VirtPOSURL+"/_mock/quirks", strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("PUT /_mock/quirks %s: HTTP %d, want 400", body, resp.StatusCode)
		}
	}
	if q := srv.Quirks(); q != (Quirks{}) {
		t.Errorf("after refused quirks: %+v, want none", q)
	}
}
