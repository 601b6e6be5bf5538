package loyalty

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ArtixLoadStatus is the state of a dictionary load that a cash server
// reports to the status receiver.
type ArtixLoadStatus string

// The load states of the field code (the receiver also accepts them
// without the STATUS_ prefix, in any case).
const (
	ArtixStatusDuring         ArtixLoadStatus = "STATUS_DURING"           // loading
	ArtixStatusReady          ArtixLoadStatus = "STATUS_READY"            // loaded
	ArtixStatusReadyWithError ArtixLoadStatus = "STATUS_READY_WITH_ERROR" // loaded, some records refused
	ArtixStatusError          ArtixLoadStatus = "STATUS_ERROR"            // not loaded
)

// Known reports a status of the list above.
func (s ArtixLoadStatus) Known() bool {
	switch s {
	case ArtixStatusDuring, ArtixStatusReady, ArtixStatusReadyWithError, ArtixStatusError:
		return true
	}
	return false
}

// Final reports a status that ends a cash register's load.
func (s ArtixLoadStatus) Final() bool {
	return s == ArtixStatusReady || s == ArtixStatusReadyWithError || s == ArtixStatusError
}

// parseArtixStatus reads a status as sent: "STATUS_READY", "READY",
// "status_ready" are one status. An unknown one is kept as sent.
func parseArtixStatus(s string) ArtixLoadStatus {
	u := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(u, "STATUS_") {
		u = "STATUS_" + u
	}
	if st := ArtixLoadStatus(u); st.Known() {
		return st
	}
	return ArtixLoadStatus(s)
}

// ArtixCashStatus is the last state one cash register (or, with Cash "",
// the back office) reported for a batch.
type ArtixCashStatus struct {
	Cash      string          // the cash code; "" for the back-office state
	Status    ArtixLoadStatus // the state
	Message   string          // messageRu, or messageEn when that is empty
	MessageEn string          // messageEn
}

// ErrArtixNotConfirmed matches a batch the exchanger queued whose load no
// cash register confirmed before the context ended. The batch is queued;
// it may still load.
var ErrArtixNotConfirmed = errors.New("loyalty: artix batch queued but its load not confirmed yet")

// ArtixLoadError is a batch whose load did not end well: a cash register
// reported STATUS_READY_WITH_ERROR or STATUS_ERROR (Failed names them), the
// back office reported STATUS_ERROR, or the confirmation did not come in
// time (Err matches [ErrArtixNotConfirmed]).
type ArtixLoadError struct {
	Shop   string            // the shopcode
	ID     string            // the dictionaryid
	Failed []ArtixCashStatus // the cash registers (and back office) that failed
	Result *ArtixLoadResult  // everything reported
	Err    error             // ErrArtixNotConfirmed and the context's error, or nil
	// Pending, when the wait ended first (Err set), are the cash
	// registers whose last report was not final (STATUS_DURING).
	Pending []ArtixCashStatus
	// Missing, when the wait ended first, is how many of the cash
	// registers waited for (WithLoadConfirmation's cashes, or
	// WithArtixCashCodes's codes) never reported.
	Missing int
	// NotReported, when the wait ended first, are the cash codes of
	// WithArtixCashCodes that never reported.
	NotReported []string
	// Unmatched, when the wait ended first, says why callbacks that may
	// have been this batch's did not count (from another source than its
	// register, for another shop, from a cash code not waited for): the
	// receiver does not guess (at most 8; its debug log has each one).
	Unmatched []string
}

// artixErrorItems is how many cash registers of each kind Error names.
const artixErrorItems = 10

// Error names the shop, the batch, and each failed cash register with its
// status and message, or says the load was not confirmed in time and
// which cash registers had not finished. It is bounded: at most 10 cash
// registers of each kind are named, each message cut to 200 bytes, and
// text from the callbacks is quoted when it is not plain.
func (e *ArtixLoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loyalty: artix batch %s for shop %s", plainText(e.ID, 100), plainText(e.Shop, 64))
	if e.Err != nil {
		fmt.Fprintf(&b, " was queued but its load was not confirmed in time (%v)", e.Err)
		if e.Result != nil {
			fmt.Fprintf(&b, "; %d cash register(s) reported", len(e.Result.Cashes))
		}
	}
	sep := ": "
	for i, f := range e.Failed {
		b.WriteString(sep)
		sep = "; "
		if i == artixErrorItems {
			fmt.Fprintf(&b, "and %d more failed", len(e.Failed)-i)
			break
		}
		writeCashStatus(&b, f)
	}
	if len(e.Pending) > 0 {
		b.WriteString(sep + "not finished: ")
		sep = "; "
		writeCapped(&b, e.Pending, writeCashStatus)
	}
	switch {
	case len(e.NotReported) > 0:
		b.WriteString(sep + "never reported: cash ")
		sep = "; "
		writeCapped(&b, e.NotReported, func(b *strings.Builder, c string) { b.WriteString(plainText(c, 64)) })
	case e.Missing > 0 && (e.Result == nil || len(e.Result.Cashes) == 0):
		fmt.Fprintf(&b, "%sno cash register reported (%d waited for)", sep, e.Missing)
	case e.Missing > 0:
		fmt.Fprintf(&b, "%s%d more cash register(s) never reported", sep, e.Missing)
	}
	for i, u := range e.Unmatched {
		if i == 2 {
			fmt.Fprintf(&b, " (and %d more not counted)", len(e.Unmatched)-i)
			break
		}
		b.WriteString(sep + firstLine(u, 200))
		sep = "; "
	}
	return b.String()
}

// writeCapped writes items separated by commas, the first
// artixErrorItems of them, then how many more there were.
func writeCapped[T any](b *strings.Builder, items []T, write func(*strings.Builder, T)) {
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == artixErrorItems {
			fmt.Fprintf(b, "and %d more", len(items)-i)
			return
		}
		write(b, it)
	}
}

// writeCashStatus writes "cash 2 STATUS_ERROR: message".
func writeCashStatus(b *strings.Builder, c ArtixCashStatus) {
	if c.Cash == "" {
		b.WriteString("back office")
	} else {
		b.WriteString("cash " + plainText(c.Cash, 64))
	}
	b.WriteString(" " + plainText(string(c.Status), 64))
	if c.Message != "" {
		b.WriteString(": " + plainText(firstLine(c.Message, 200), 250))
	}
}

// plainText is s when it is printable text without line breaks or
// control characters, cut to n bytes; otherwise s quoted (escaped), cut.
// Text a callback sent never forges a log line.
func plainText(s string, n int) string {
	plain := utf8.ValidString(s)
	for _, r := range s {
		if !plain || !unicode.IsPrint(r) && r != ' ' {
			plain = false
			break
		}
	}
	if !plain {
		s = strconv.QuoteToASCII(s)
	}
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// Unwrap returns Err.
func (e *ArtixLoadError) Unwrap() error { return e.Err }

// sortCashes orders statuses by cash code, numbers by value.
func sortCashes(cs []ArtixCashStatus) {
	slices.SortFunc(cs, func(a, b ArtixCashStatus) int {
		if len(a.Cash) != len(b.Cash) {
			return len(a.Cash) - len(b.Cash)
		}
		return strings.Compare(a.Cash, b.Cash)
	})
}
