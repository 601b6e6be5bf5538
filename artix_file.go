package loyalty

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/loyaltykit/loyalty/internal/artixwire"
)

// ErrArtixNotPickedUp matches a batch the cash server did not load within
// the [WithPickupWait] timeout (or before the context ended). The batch is
// written; it may still load later.
var ErrArtixNotPickedUp = errors.New("loyalty: artix batch not picked up yet")

// ErrArtixRefused matches a batch the cash server refused while
// [WithPickupWait] waited: it appended a line naming the batch's .aif to
// error.txt in the exchange directory, where a cash exchanger reports the
// files it fails to load. [ArtixFileError].Reason holds the line's text;
// the batch did not load and will not by waiting.
var ErrArtixRefused = errors.New("loyalty: artix batch refused by the cash server")

// ArtixFileError is a failure of the exchange-directory transport: the
// directory is missing or unwritable, or a batch was not picked up or was
// refused.
type ArtixFileError struct {
	Op   string // "write" or "wait"
	Path string // the file or directory concerned
	Err  error  // the cause; ErrArtixNotPickedUp for a pickup timeout, ErrArtixRefused for a refusal
	// Reason is the cash server's reason for refusing the batch (its
	// error.txt line, after the file's name), with ErrArtixRefused.
	Reason string
}

// Error says which batch file failed and how.
func (e *ArtixFileError) Error() string {
	if errors.Is(e.Err, ErrArtixRefused) {
		return fmt.Sprintf("loyalty: artix: the cash server refused %s: %s (%s); it did not load", e.Path, e.Reason, artixwire.ErrorFile)
	}
	if errors.Is(e.Err, ErrArtixNotPickedUp) {
		return fmt.Sprintf("loyalty: artix: %s was not picked up by the cash server (%v); it is written and may still load later", e.Path, e.Err)
	}
	return fmt.Sprintf("loyalty: artix %s %s: %v", e.Op, e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *ArtixFileError) Unwrap() error { return e.Err }

// NewArtixExchangeDir returns a client that writes batches into dir, the
// cash server's exchange directory (e.g. /linuxcash/exchange/in): each
// batch is pos<yyyyMMddHHmmss>.aif, every command one JSON object followed
// by "\n---\n", written to a temporary file and moved into place, then an
// empty pos<same>.flz flag telling the server to load it (both files mode
// 0644 under the umask, readable by a cash server running as another
// user). The directory must exist and be writable. The HTTP options
// (retries, HTTP client, shopcode, basic auth) do not apply; [WithPickupWait]
// and [WithPollInterval] do.
func NewArtixExchangeDir(dir string, opts ...ArtixExchangeDirOption) (*Artix, error) {
	s, err := applyOptions(opts, ArtixExchangeDirOption.applyArtixExchangeDir)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, &ConfigError{Field: "dir", Reason: "empty"}
	}
	if err := checkDirWritable(dir); err != nil {
		return nil, &ConfigError{Field: "dir", Reason: err.Error()}
	}
	f := &artixFiles{dir: dir, millis: s.artix.millis, wait: s.artix.pickupWait, poll: s.artix.pollInterval, logger: s.logger}
	if f.poll == 0 {
		f.poll = DefaultArtixPollInterval
	}
	return newArtix(f), nil
}

func checkDirWritable(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	probe, err := createArtixTemp(dir, ".loyalty-probe-")
	if err != nil {
		return fmt.Errorf("not writable: %w", err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// artixFiles is the exchange-directory transport.
type artixFiles struct {
	dir    string
	millis bool // pos<yyyyMMddHHmmssSSS> names (WithMillisecondNames)
	wait   time.Duration
	poll   time.Duration
	logger *slog.Logger

	// link and createFlag are os.Link and createArtixFlag; tests replace
	// them to fail.
	link       func(oldname, newname string) error
	createFlag func(path string) error
}

// createArtixTemp creates a new file in dir named prefix<random>.tmp, mode
// 0644 under the umask like the .flz flag (os.CreateTemp makes 0600 files,
// which a cash server running as another user cannot read).
func createArtixTemp(dir, prefix string) (*os.File, error) {
	for {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
}

// createArtixFlag creates the empty .flz flag at path; it fails if the
// path exists.
func createArtixFlag(path string) error {
	flag, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	return flag.Close()
}

// copyArtixExclusive copies the file src to a new file dst, failing with
// fs.ErrExist rather than replacing one: placing a batch where hard links
// are not supported.
func copyArtixExclusive(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}

// artixStamp hands out batch timestamps: never one used before by this
// process, so two batches in the same second (or millisecond) get
// consecutive ones.
var artixStamp struct {
	sync.Mutex
	last time.Time
}

// nextArtixStamp is now truncated to step (a second or a millisecond), or
// the next free step after the last stamp handed out.
func nextArtixStamp(now time.Time, step time.Duration) time.Time {
	artixStamp.Lock()
	defer artixStamp.Unlock()
	t := now.Truncate(step)
	if !t.After(artixStamp.last) {
		t = artixStamp.last.Add(step).Truncate(step)
	}
	artixStamp.last = t
	return t
}

func (f *artixFiles) send(ctx context.Context, b *artixBatch) (*ArtixLoadResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, &ArtixFileError{Op: "write", Path: f.dir, Err: err}
	}
	tmp, err := createArtixTemp(f.dir, ".loyalty-")
	if err != nil {
		return nil, &ArtixFileError{Op: "write", Path: f.dir, Err: err}
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a successful link or rename: a no-op or the spare link
	if err := writeArtixFile(ctx, tmp, b); err != nil {
		tmp.Close()
		if errors.Is(err, ErrArtixSeqNotRewalkable) {
			return nil, err // the half-written file goes with tmpName
		}
		return nil, &ArtixFileError{Op: "write", Path: tmpName, Err: err}
	}
	if err := tmp.Close(); err != nil {
		return nil, &ArtixFileError{Op: "write", Path: tmpName, Err: err}
	}
	base, err := f.place(tmpName)
	if err != nil {
		return nil, err
	}
	var refusals *artixErrorLog
	if f.wait > 0 {
		refusals = watchArtixErrors(f.dir) // before the flag: a refusal may follow it at once
	}
	if err := f.flag(base); err != nil {
		return nil, err
	}
	aif := filepath.Join(f.dir, base+".aif")
	if f.logger != nil {
		f.logger.LogAttrs(ctx, slog.LevelDebug, "loyalty artix batch written",
			slog.String("api", "artix"), slog.String("file", base+".aif"), slog.Int("commands", b.n))
	}
	res := &ArtixLoadResult{ID: base, Commands: b.n, File: aif, Queued: true}
	if f.wait > 0 {
		if err := f.awaitPickup(ctx, base, refusals); err != nil {
			return res, err
		}
		res.PickedUp = true
	}
	return res, nil
}

// flag creates the batch's .flz; when that fails, it removes the .aif
// (a batch without its flag never loads) unless the flag is there.
func (f *artixFiles) flag(base string) error {
	flz := filepath.Join(f.dir, base+".flz")
	createFlag := f.createFlag
	if createFlag == nil {
		createFlag = createArtixFlag
	}
	err := createFlag(flz)
	if err != nil {
		if _, serr := os.Lstat(flz); serr == nil {
			// The flag is there (only closing it failed): the batch loads.
			return &ArtixFileError{Op: "write", Path: flz, Err: err}
		}
		// A batch without its flag is never loaded: take it back.
		aif := filepath.Join(f.dir, base+".aif")
		if rerr := os.Remove(aif); rerr != nil {
			err = fmt.Errorf("%w; %s is left without a flag and will not load (removing it failed: %w)", err, aif, rerr)
		} else {
			err = fmt.Errorf("%w; %s was removed, nothing was sent", err, aif)
		}
		return &ArtixFileError{Op: "write", Path: flz, Err: err}
	}
	return nil
}

// place moves the finished temporary file to a pos<stamp>.aif name that no
// other batch uses, without overwriting anything, and returns the base name.
func (f *artixFiles) place(tmpName string) (string, error) {
	step, name := time.Second, artixwire.BatchName
	if f.millis {
		step, name = time.Millisecond, artixwire.BatchNameMillis
	}
	stamp := nextArtixStamp(time.Now(), step)
	for range 1000 {
		base := name(stamp)
		aif := filepath.Join(f.dir, base+".aif")
		flz := filepath.Join(f.dir, base+".flz")
		if _, err := os.Lstat(flz); err == nil {
			stamp = nextArtixStamp(stamp.Add(step), step)
			continue
		}
		// A hard link never replaces an existing file; where links are
		// not supported, copy into a file created exclusively (a rename
		// could replace another writer's batch).
		link := f.link
		if link == nil {
			link = os.Link
		}
		err := link(tmpName, aif)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			err = copyArtixExclusive(tmpName, aif)
		}
		if errors.Is(err, fs.ErrExist) {
			stamp = nextArtixStamp(stamp.Add(step), step)
			continue
		}
		if err != nil {
			return "", &ArtixFileError{Op: "write", Path: aif, Err: err}
		}
		return base, nil
	}
	return "", &ArtixFileError{Op: "write", Path: f.dir, Err: errors.New("no free batch name in 1000 seconds ahead")}
}

// writeArtixFile writes every command as one JSON object followed by
// "\n---\n" and syncs the file. It gives up when ctx ends.
func writeArtixFile(ctx context.Context, file *os.File, b *artixBatch) error {
	w := bufio.NewWriterSize(file, 64<<10)
	i := 0
	err := b.each(func(enc []byte) error {
		if i++; i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := w.Write(enc); err != nil {
			return err
		}
		_, err := w.WriteString(artixwire.Separator)
		return err
	})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return file.Sync()
}
