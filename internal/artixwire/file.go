// Package artixwire is the Artix wire format shared by the loyalty client
// and its mock: exchange-file names and framing. Users have no reason to
// call it; the root package's types and methods are the public surface.
package artixwire

import (
	"bytes"
	"time"
)

// Separator follows every command of an exchange file: the cash server's
// uploader ends a command at each line that is exactly "---".
const Separator = "\n---\n"

// BatchName is the base name (without .aif or .flz) of a batch file
// stamped t: pos<yyyyMMddHHmmss>.
func BatchName(t time.Time) string { return "pos" + t.Format("20060102150405") }

// SplitCommands splits an exchange file at lines that are exactly "---"
// (a trailing carriage return allowed) into the commands' JSON texts, in
// order, skipping chunks of white space only.
func SplitCommands(data []byte) [][]byte {
	var out [][]byte
	var chunk []byte
	flush := func() {
		if len(bytes.TrimSpace(chunk)) > 0 {
			out = append(out, chunk)
		}
		chunk = nil
	}
	for line := range bytes.Lines(data) {
		if string(bytes.TrimRight(line, "\r\n")) == "---" {
			flush()
			continue
		}
		chunk = append(chunk, line...)
	}
	flush()
	return out
}
