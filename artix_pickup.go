package loyalty

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// The pickup wait of the exchange-directory transport ([WithPickupWait]):
// the batch's files are gone (picked up), the cash server refused it (a
// line naming it in error.txt), or the wait timed out.

// awaitPickup polls until both files of the batch are gone, or the
// exchange directory's error.txt gains a line naming the batch (read
// through refusals).
func (f *artixFiles) awaitPickup(ctx context.Context, base string, refusals *artixErrorLog) error {
	ctx, cancel := context.WithTimeout(ctx, f.wait)
	defer cancel()
	aif := filepath.Join(f.dir, base+".aif")
	flz := filepath.Join(f.dir, base+".flz")
	tick := time.NewTicker(f.poll)
	defer tick.Stop()
	for {
		// Gone first, error.txt after: a server that reports a refusal
		// and then removes the files is seen refusing.
		picked := gone(aif) && gone(flz)
		if reason, ok := refusals.refusal(base + ".aif"); ok {
			return &ArtixFileError{Op: "wait", Path: aif, Err: ErrArtixRefused, Reason: reason}
		}
		if picked {
			return nil
		}
		select {
		case <-ctx.Done():
			return &ArtixFileError{Op: "wait", Path: aif, Err: fmt.Errorf("%w: %w", ErrArtixNotPickedUp, ctx.Err())}
		case <-tick.C:
		}
	}
}

func gone(path string) bool {
	_, err := os.Lstat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// maxArtixErrorRead bounds what one look reads of error.txt: the newest
// bytes appended since the last look.
const maxArtixErrorRead = 1 << 20

// maxArtixReason bounds a refusal's reason.
const maxArtixReason = 512

// artixErrorLog follows the exchange directory's error.txt from where it
// ended when the batch was written, so only lines appended since count. A
// file started anew (shorter, or another file) is read from its start.
type artixErrorLog struct {
	path string
	fi   fs.FileInfo // at the last look; nil: there was none
	off  int64       // bytes read: through the last complete line
}

// watchArtixErrors starts following dir's error.txt at its current end.
func watchArtixErrors(dir string) *artixErrorLog {
	l := &artixErrorLog{path: filepath.Join(dir, artixwire.ErrorFile)}
	if fi, err := os.Stat(l.path); err == nil && fi.Mode().IsRegular() {
		l.fi, l.off = fi, fi.Size()
	}
	return l
}

// refusal reads the complete lines appended since the last look and
// returns the reason of the first that names file (a base name, matched
// whole: pos1.aif is not named by pos12.aif or xpos1.aif). A partial last
// line is read again at the next look.
func (l *artixErrorLog) refusal(file string) (string, bool) {
	if l == nil {
		return "", false
	}
	fi, err := os.Stat(l.path)
	if err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	same := l.fi != nil && os.SameFile(l.fi, fi)
	if same && fi.Size() == l.off {
		return "", false
	}
	if !same || fi.Size() < l.off {
		l.off = 0 // a new error.txt, or the same one started anew
	}
	l.fi = fi
	from := max(l.off, fi.Size()-maxArtixErrorRead)
	data, err := readArtixErrors(l.path, from, fi.Size()-from)
	if err != nil {
		return "", false
	}
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		return "", false
	}
	l.off = from + int64(end) + 1
	for line := range bytes.Lines(data[:end+1]) {
		if reason, ok := artixRefusalLine(line, file); ok {
			return reason, true
		}
	}
	return "", false
}

// readArtixErrors reads n bytes of path from off (fewer if it shrank).
func readArtixErrors(path string, off, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.NewSectionReader(f, off, n))
}

// artixRefusalLine reports whether line names file and returns the text
// after the name (", :" and spaces trimmed), or the whole line when nothing
// follows it.
func artixRefusalLine(line []byte, file string) (string, bool) {
	for at := 0; ; {
		i := bytes.Index(line[at:], []byte(file))
		if i < 0 {
			return "", false
		}
		i += at
		j := i + len(file)
		if (i > 0 && artixNameByte(line[i-1])) || (j < len(line) && (artixNameByte(line[j]) || line[j] == '.')) {
			at = i + 1
			continue
		}
		reason := strings.TrimSpace(strings.TrimLeft(string(line[j:]), ":,;- \t"))
		if reason == "" {
			reason = strings.TrimSpace(string(line))
		}
		return firstLine(reason, maxArtixReason), true
	}
}

// artixNameByte reports a byte that may continue a batch file's name.
func artixNameByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
