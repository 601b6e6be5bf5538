package mock

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/loyaltykit/loyalty"
)

// Quirks are opt-in behaviours of real servers that the specs do not
// describe, known or suspected from the public record (the project's
// VirtPOS and CRM field notes). The zero Quirks follows the specs. Set
// them with Config.Quirks, Server.SetQuirks or PUT /_mock/quirks; Reset
// restores Config.Quirks.
type Quirks struct {
	// CardWriteIDs makes insertCard, updateCard and deleteCard answer the
	// card's id (and isnew for inserts and updates), as the customer
	// update does. The spec documents no answer for the card methods, so
	// by default they answer a bare success=1.
	CardWriteIDs bool `json:"card_write_ids,omitempty"`
	// BindPhysicalCardPIN makes every BindPhysicalCard that would bind a
	// card fail with an error code the spec does not list:
	// CodeManzanaWrongPIN (Manzana's own code, passed through by the
	// gateway), as a card protected by a PIN or code word the spec gives
	// no field for. Without it only the seed card CRMPINCardNumber fails
	// that way.
	BindPhysicalCardPIN bool `json:"bind_physical_card_pin,omitempty"`
	// VirtualCardPool, when positive, is how many free virtual cards each
	// virtual card type has: setting it refills every virtual type's pool
	// to that many fresh numbers (CRMEmptyPoolCardTypeID included), and a
	// BindVirtualCard past them fails with 10080 (no virtual cards
	// available), as Manzana's per-type pool runs out. 0 keeps the seed's
	// pools (five cards of CRMVirtualCardTypeID, none of
	// CRMEmptyPoolCardTypeID).
	VirtualCardPool int `json:"virtual_card_pool,omitempty"`
}

// Validate reports a Quirks the mock cannot honour.
func (q Quirks) Validate() error {
	if q.VirtualCardPool < 0 || q.VirtualCardPool > maxVirtualCardPool {
		return fmt.Errorf("virtual_card_pool %d: want 0 to %d", q.VirtualCardPool, maxVirtualCardPool)
	}
	return nil
}

// maxVirtualCardPool bounds Quirks.VirtualCardPool (cards per type).
const maxVirtualCardPool = 100000

// CodeManzanaWrongPIN is the code the mock answers for a physical card
// bind refused on its PIN: Manzana Loyalty's 100961, which the CRM spec
// does not list and a gateway may pass through unmapped. The
// description is the mock's wording, not a recorded one.
const CodeManzanaWrongPIN loyalty.ErrorCode = 100961

// manzanaWrongPINText is the mock's description of CodeManzanaWrongPIN.
const manzanaWrongPINText = "Неверный PIN-код карты"

// Quirks returns the quirks in force.
func (s *Server) Quirks() Quirks {
	if q := s.quirks.Load(); q != nil {
		return *q
	}
	return Quirks{}
}

// SetQuirks puts q in force from the next request on. A VirtualCardPool
// refills the pools now. It fails, changing nothing, when q is invalid.
func (s *Server) SetQuirks(q Quirks) error {
	if err := q.Validate(); err != nil {
		return fmt.Errorf("mock: quirks: %w", err)
	}
	s.quirks.Store(&q)
	if q.VirtualCardPool > 0 {
		s.crm.mu.Lock()
		fillPools(s.crm.st, q.VirtualCardPool)
		s.crm.mu.Unlock()
	}
	return nil
}

// fillPools gives every virtual card type n fresh card numbers.
func fillPools(st *crmState, n int) {
	for i, t := range st.cardTypes {
		if !t.virtual {
			continue
		}
		pool := make([]string, 0, n)
		for k := 1; len(pool) < n; k++ {
			num := fmt.Sprintf("99%d%010d", i+1, k)
			if st.cards[num] == nil {
				pool = append(pool, num)
			}
		}
		st.pools[t.ID] = pool
	}
}

// adminQuirks serves GET and PUT /_mock/quirks.
func (s *Server) adminQuirks(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		writeAdminJSON(w, http.StatusOK, s.Quirks())
		return
	}
	data, ok := readAdminBody(w, r, maxAdminFault, false)
	if !ok {
		return
	}
	var q Quirks
	err := decodeStrict(data, &q)
	if err == nil {
		err = q.Validate()
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, "bad quirks: "+err.Error())
		return
	}
	s.SetQuirks(q)
	writeAdminJSON(w, http.StatusOK, q)
}

// failPIN adds the unlisted PIN error of a refused physical card bind.
func (a *crmAPI) failPIN(c *crmCall) {
	a.st.seq++
	c.errs = append(c.errs, loyalty.CRMErrorDetail{
		Code:            CodeManzanaWrongPIN,
		Description:     manzanaWrongPINText,
		InternalErrorID: uuid.NewSHA1(crmNS, fmt.Appendf(nil, "error-%d", a.st.seq)).String(),
	})
}

// cardWriteAnswer is a card write's answer: a bare success unless
// Quirks.CardWriteIDs.
func (a *virtposAPI) cardWriteAnswer(id int64, isNew, withIsNew bool) answer {
	if !a.srv.Quirks().CardWriteIDs {
		return answer{bare: true}
	}
	return answer{id: id, isNew: isNew, withIsNw: withIsNew}
}
