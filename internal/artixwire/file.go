// Package artixwire is the Artix wire format shared by the loyalty client
// and its mock: exchange-file names and framing. Users have no reason to
// call it; the root package's types and methods are the public surface.
package artixwire

import (
	"bytes"
	"errors"
	"strings"
	"time"
)

// Separator follows every command of an exchange file: the cash server's
// uploader ends a command at each line that is exactly "---".
const Separator = "\n---\n"

// BatchName is the base name (without .aif or .flz) of a batch file
// stamped t: pos<yyyyMMddHHmmss>.
func BatchName(t time.Time) string { return "pos" + t.Format("20060102150405") }

// BatchNameMillis is BatchName to the millisecond:
// pos<yyyyMMddHHmmssSSS>, as the lsFusion writer names batches.
func BatchNameMillis(t time.Time) string {
	return "pos" + t.Format("20060102150405") + t.Format(".000")[1:]
}

// ErrorFile is the file in the exchange directory where the cash
// exchanger reports the batches it fails to load (P1's default,
// /tmp/dict/aif/error.txt beside /tmp/dict/aif/pos*.aif); a report is a
// line naming the batch's .aif.
const ErrorFile = "error.txt"

// ErrTrailingText is the error of an exchange file with text after its
// last "---" line: the cash server's uploader silently drops it.
var ErrTrailingText = errors.New("text after the last --- separator (the cash server's uploader would drop it): end every command with a line ---")

// FixedName is the base name some writers (1C forms) give every batch, in
// a folder per shop: All.aif and All.flz.
const FixedName = "All"

// IsFlag reports a batch's flag file name: pos*.flz (second or
// millisecond stamps, or pos<shop>) or the fixed All.flz.
func IsFlag(name string) bool {
	base, ok := strings.CutSuffix(name, ".flz")
	return ok && (strings.HasPrefix(base, "pos") || base == FixedName)
}

// SplitCommands splits an exchange file into the commands' JSON texts, in
// order, reading what field writers produce: a UTF-8 byte order mark,
// "### data begin ###" / "### data end ###" lines (skipped), CRLF line
// ends, blank lines around the "---" separators, and objects spread over
// many lines. A command ends at each line that is "---" (white space
// around it allowed). Text after the last separator is ErrTrailingText.
func SplitCommands(data []byte) ([][]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out [][]byte
	// A command is data[start:end] while its lines are contiguous; owned
	// holds it instead once a skipped line splits it (rare).
	start, end := 0, 0
	var owned []byte
	chunk := func() []byte {
		if owned != nil {
			return append(owned, data[start:end]...)
		}
		return data[start:end]
	}
	pos := 0
	for line := range bytes.Lines(data) {
		next := pos + len(line)
		t := bytes.TrimSpace(line)
		switch {
		case string(t) == "---":
			if c := chunk(); len(bytes.TrimSpace(c)) > 0 {
				out = append(out, c)
			}
			start, end, owned = next, next, nil
		case isDataMarker(t):
			if c := chunk(); len(bytes.TrimSpace(c)) > 0 {
				owned = c[:len(c):len(c)]
			}
			start, end = next, next
		default:
			end = next
		}
		pos = next
	}
	if len(bytes.TrimSpace(chunk())) > 0 {
		return out, ErrTrailingText
	}
	return out, nil
}

// isDataMarker reports a "### data begin ###" or "### data end ###" line.
func isDataMarker(t []byte) bool {
	s := strings.ToLower(string(t))
	if !strings.HasPrefix(s, "###") || !strings.HasSuffix(s, "###") {
		return false
	}
	s = strings.Join(strings.Fields(strings.Trim(s, "#")), " ")
	return s == "data begin" || s == "data end"
}
