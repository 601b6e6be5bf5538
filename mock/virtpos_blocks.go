package mock

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/loyaltykit/loyalty"
)

// The blocks a customer read adds with cards=true and bonuses=true. The
// VirtPOS docs added both parameters in 2020 without showing the answer
// (see docs/virtpos-crm-field-notes.md), so these shapes are the mock's
// GUESS, not a recorded answer: a list of the customer's cards with the
// attributes the card methods take, and an empty list of bonus accruals
// (the mock keeps none). `loyalty-mock verify` compares them with
// cassettes recorded against a real server; where it reports drift, the
// server is right.

// cardsBlock is the cards block of customer id in format.
func (a *virtposAPI) cardsBlock(id int64, format loyalty.Format) loyalty.RawBlock {
	var own []*Card
	for _, c := range a.cards {
		if c.CustomerID == id {
			own = append(own, c)
		}
	}
	if format == loyalty.FormatJSON {
		out := make([]cardJSON, len(own))
		for i, c := range own {
			out[i] = cardJSON{ID: c.ID, UID: c.UID, ExternalID: c.ExternalID, UIDEAN13: c.UIDEAN13, Barcode: c.Barcode,
				Medium: string(c.Medium), Status: string(c.Status), BlockDate: ts(c.BlockDate), ActivateDate: ts(c.ActivateDate),
				TypeID: c.TypeID, TypeName: c.TypeName}
		}
		b, _ := json.Marshal(out)
		return loyalty.RawBlock{Format: loyalty.FormatJSON, Data: string(b)}
	}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	const in = "\t\t\t\t\t"
	bw.WriteString("\n")
	for _, c := range own {
		bw.WriteString("\t\t\t\t<card>\n")
		xmlField(bw, in, "id", strconv.FormatInt(c.ID, 10))
		xmlField(bw, in, "uid", c.UID)
		xmlField(bw, in, "external_id", c.ExternalID)
		xmlField(bw, in, "uid_ean13", c.UIDEAN13)
		xmlField(bw, in, "barcode", c.Barcode)
		xmlField(bw, in, "medium", string(c.Medium))
		xmlField(bw, in, "status", string(c.Status))
		xmlField(bw, in, "block_date", ts(c.BlockDate))
		xmlField(bw, in, "activate_date", ts(c.ActivateDate))
		xmlField(bw, in, "type_id", itoaNZ(c.TypeID))
		xmlField(bw, in, "type_name", c.TypeName)
		bw.WriteString("\t\t\t\t</card>\n")
	}
	bw.WriteString("\t\t\t")
	bw.Flush()
	if len(own) == 0 {
		return loyalty.RawBlock{Format: loyalty.FormatXML}
	}
	return loyalty.RawBlock{Format: loyalty.FormatXML, Data: buf.String()}
}

// cardJSON is a card in the JSON cards block.
type cardJSON struct {
	ID           int64  `json:"id"`
	UID          string `json:"uid"`
	ExternalID   string `json:"external_id"`
	UIDEAN13     string `json:"uid_ean13"`
	Barcode      string `json:"barcode"`
	Medium       string `json:"medium"`
	Status       string `json:"status"`
	BlockDate    string `json:"block_date"`
	ActivateDate string `json:"activate_date"`
	TypeID       int64  `json:"type_id"`
	TypeName     string `json:"type_name"`
}

// bonusesBlock is the (empty) bonuses block in format.
func bonusesBlock(format loyalty.Format) loyalty.RawBlock {
	if format == loyalty.FormatJSON {
		return loyalty.RawBlock{Format: loyalty.FormatJSON, Data: "[]"}
	}
	return loyalty.RawBlock{Format: loyalty.FormatXML}
}

// writeRawBlock writes a sent block of a customer as an XML element.
func writeRawBlock(bw *bufio.Writer, indent, name string, b loyalty.RawBlock) {
	if !b.Sent() {
		return
	}
	if b.Data == "" {
		bw.WriteString(indent + "<" + name + b.Attrs + "/>\n")
		return
	}
	bw.WriteString(indent + "<" + name + b.Attrs + ">" + b.Data + "</" + name + ">\n")
}
