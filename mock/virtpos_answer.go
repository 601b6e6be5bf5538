package mock

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
)

// answer is a successful answer: a customer list or a write result.
type answer struct {
	list     bool
	count    int
	page     []loyalty.Customer
	id       int64
	isNew    bool
	withIsNw bool
	// bare is a write answered by success=1 alone (a card write; see
	// Quirks.CardWriteIDs).
	bare bool
}

// answerWriters are the 32 KiB buffers answers are written through,
// reused: a fresh one per request was 70% of the bytes the mock allocated
// for a single-customer read (issue 15, BenchmarkMockThroughput).
var answerWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// bufferedAnswer runs write with a pooled answer buffer in front of w,
// then flushes it.
func bufferedAnswer(w io.Writer, write func(bw *bufio.Writer)) {
	bw := answerWriters.Get().(*bufio.Writer)
	bw.Reset(w)
	defer func() {
		bw.Flush()
		bw.Reset(nil)
		answerWriters.Put(bw)
	}()
	write(bw)
}

// writeAnswer writes success=1 with ans, or success=0 with info.
func writeAnswer(w http.ResponseWriter, format string, ans answer, info string) {
	bufferedAnswer(w, func(bw *bufio.Writer) { writeAnswerTo(bw, w.Header(), format, ans, info) })
}

// writeAnswerTo is writeAnswer through bw, its Content-Type set in h.
func writeAnswerTo(bw *bufio.Writer, h http.Header, format string, ans answer, info string) {
	if format == "json" {
		h.Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(bw)
		switch {
		case info != "":
			bw.WriteString(`{"success":0,"info":`)
			enc.Encode(info)
			bw.WriteString("}")
		case ans.list:
			bw.WriteString(`{"success":1,"type":"customer","count":` + strconv.Itoa(ans.count) + `,"customers":[`)
			for i := range ans.page {
				if i > 0 {
					bw.WriteByte(',')
				}
				enc.Encode(ans.page[i])
			}
			bw.WriteString("]}")
		case ans.bare:
			bw.WriteString(`{"success":1}`)
		default:
			bw.WriteString(`{"success":1,"id":` + strconv.FormatInt(ans.id, 10))
			if ans.withIsNw {
				bw.WriteString(`,"isnew":` + strconv.Itoa(bit(ans.isNew)))
			}
			bw.WriteString("}")
		}
		return
	}
	h.Set("Content-Type", "application/xml; charset=utf-8")
	bw.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root>\n")
	switch {
	case info != "":
		bw.WriteString("\t<success>0</success>\n")
		xmlField(bw, "\t", "info", info)
	case ans.list:
		bw.WriteString("\t<success>1</success>\n\t<type>customer</type>\n")
		xmlField(bw, "\t", "count", strconv.Itoa(ans.count))
		bw.WriteString("\t<customers>\n")
		for i := range ans.page {
			writeCustomerXML(bw, &ans.page[i])
		}
		bw.WriteString("\t</customers>\n")
	case ans.bare:
		bw.WriteString("\t<success>1</success>\n")
	default:
		bw.WriteString("\t<success>1</success>\n")
		xmlField(bw, "\t", "id", strconv.FormatInt(ans.id, 10))
		if ans.withIsNw {
			xmlField(bw, "\t", "isnew", strconv.Itoa(bit(ans.isNew)))
		}
	}
	bw.WriteString("</root>\n")
}

// writeCustomerXML writes one <customer> the way the spec's example does:
// tab-indented, empty tags as <tag/>, external_id only when set.
func writeCustomerXML(bw *bufio.Writer, c *loyalty.Customer) {
	const in = "\t\t\t"
	bw.WriteString("\t\t<customer>\n")
	xmlField(bw, in, "id", strconv.FormatInt(c.ID, 10))
	xmlField(bw, in, "fname", c.FirstName)
	xmlField(bw, in, "lname", c.LastName)
	xmlField(bw, in, "mname", c.MiddleName)
	xmlField(bw, in, "age", strconv.Itoa(c.Age))
	xmlField(bw, in, "email", c.Email)
	xmlField(bw, in, "phone", c.Phone)
	xmlField(bw, in, "gender", string(c.Gender))
	xmlField(bw, in, "custom_information", c.CustomInformation)
	xmlField(bw, in, "birth_day", itoaNZ(c.BirthDay))
	xmlField(bw, in, "birth_month", itoaNZ(c.BirthMonth))
	xmlField(bw, in, "birth_year", itoaNZ(c.BirthYear))
	xmlField(bw, in, "register_date", ts(c.RegisterDate))
	xmlField(bw, in, "accumulated_sales", c.AccumulatedSales.String())
	xmlField(bw, in, "send_push", strconv.Itoa(bit(c.SendPush)))
	xmlField(bw, in, "send_email", strconv.Itoa(bit(c.SendEmail)))
	xmlField(bw, in, "send_sms", strconv.Itoa(bit(c.SendSMS)))
	xmlField(bw, in, "group_id", itoaNZ(c.GroupID))
	xmlField(bw, in, "group_name", c.GroupName)
	if c.ExternalID != "" {
		xmlField(bw, in, "external_id", c.ExternalID)
	}
	xmlField(bw, in, "created_date", ts(c.CreatedDate))
	xmlField(bw, in, "created_by", strconv.FormatInt(c.CreatedBy, 10))
	xmlField(bw, in, "last_update_date", ts(c.LastUpdateDate))
	xmlField(bw, in, "last_update_by", strconv.FormatInt(c.LastUpdateBy, 10))
	writeRawBlock(bw, in, "cards", c.Cards)
	writeRawBlock(bw, in, "bonuses", c.Bonuses)
	bw.WriteString("\t\t</customer>\n")
}

func xmlField(bw *bufio.Writer, indent, name, value string) {
	bw.WriteString(indent)
	if value == "" {
		bw.WriteString("<" + name + "/>\n")
		return
	}
	bw.WriteString("<" + name + ">")
	xml.EscapeText(bw, []byte(value))
	bw.WriteString("</" + name + ">\n")
}

func itoaNZ[T int | int64](v T) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(int64(v), 10)
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateTime)
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}
