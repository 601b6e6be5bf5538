package loyalty_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// singleUse yields the first n of artixAdds on its first pass only, as a
// channel, a database cursor or a stream read once does.
func singleUse(n int) iter.Seq[loyalty.ArtixCommand] {
	used := false
	return func(yield func(loyalty.ArtixCommand) bool) {
		if used {
			return
		}
		used = true
		for c := range artixAdds(n) {
			if !yield(c) {
				return
			}
		}
	}
}

// changing yields other client ids on every pass, with the same count.
func changing(n int) iter.Seq[loyalty.ArtixCommand] {
	pass := 0
	return func(yield func(loyalty.ArtixCommand) bool) {
		pass++
		for i := range n {
			if !yield(loyalty.DeleteClient(fmt.Sprintf("p%d-%d", pass, i))) {
				return
			}
		}
	}
}

// contentChanging yields the same command names and ids on every pass,
// and after the validation pass content the validation would refuse
// (issue 20 item 10: later passes were fingerprinted by name and idclient
// only, and never validated).
func contentChanging(n int, change func(*loyalty.ArtixCustomer)) iter.Seq[loyalty.ArtixCommand] {
	pass := 0
	return func(yield func(loyalty.ArtixCommand) bool) {
		pass++
		for i := range n {
			c := loyalty.ArtixCustomer{ID: fmt.Sprintf("c%d", i), FirstName: "Иван", BirthDate: "1990-02-01"}
			if pass > 1 {
				change(&c)
			}
			if !yield(loyalty.AddClient(c)) {
				return
			}
		}
	}
}

// TestArtixSendSeqLaterPassValidated: a later pass that yields the same
// names and ids with other content (valid or not) stops the batch like a
// spent iterator; an invalid command also matches its *ArtixRecordError.
// Nothing is applied or written.
func TestArtixSendSeqLaterPassValidated(t *testing.T) {
	for name, change := range map[string]func(*loyalty.ArtixCustomer){
		"a 5000-character name": func(c *loyalty.ArtixCustomer) { c.FirstName = strings.Repeat("я", 5000) },
		"31.02.1990":            func(c *loyalty.ArtixCustomer) { c.BirthDate = "31.02.1990" },
		"another valid name":    func(c *loyalty.ArtixCustomer) { c.FirstName = "Пётр" },
	} {
		for _, n := range []int{3, 2500} {
			t.Run(fmt.Sprintf("http %s %d", name, n), func(t *testing.T) {
				srv := mock.NewServer(t)
				err := srv.Artix().SendSeq(context.Background(), contentChanging(n, change))
				checkNotRewalkable(t, err)
				if got := srv.ArtixCustomerCount(); got != 0 {
					t.Errorf("%d clients applied, want none", got)
				}
			})
			t.Run(fmt.Sprintf("file %s %d", name, n), func(t *testing.T) {
				dir := t.TempDir()
				ax, err := loyalty.NewArtixExchangeDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				checkNotRewalkable(t, ax.SendSeq(context.Background(), contentChanging(n, change)))
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					t.Errorf("files left: %v", entries)
				}
			})
		}
	}
	srv := mock.NewServer(t)
	err := srv.Artix().SendSeq(context.Background(), contentChanging(3, func(c *loyalty.ArtixCustomer) { c.BirthDate = "31.02.1990" }))
	var re *loyalty.ArtixRecordError
	if !errors.As(err, &re) {
		t.Errorf("an invalid command on a later pass: want it to match *ArtixRecordError, got %v", err)
	}
}

// TestArtixSendSeqNotRewalkable: an iterator that does not yield on every
// pass what the validation pass saw (a single-use one yields nothing the
// second time) stops the batch: nothing is sent or written, and the error
// says the iterator must be re-walkable. It used to send an empty batch
// and return nil.
func TestArtixSendSeqNotRewalkable(t *testing.T) {
	for _, n := range []int{3, 2500} { // buffered and streamed bodies
		for name, seq := range map[string]func() iter.Seq[loyalty.ArtixCommand]{
			"single-use": func() iter.Seq[loyalty.ArtixCommand] { return singleUse(n) },
			"changing":   func() iter.Seq[loyalty.ArtixCommand] { return changing(n) },
		} {
			t.Run(fmt.Sprintf("http %s %d", name, n), func(t *testing.T) {
				srv := mock.NewServer(t)
				err := srv.Artix().SendSeq(context.Background(), seq())
				checkNotRewalkable(t, err)
				if got := srv.ArtixCustomerCount(); got != 0 {
					t.Errorf("%d clients applied", got)
				}
				for _, r := range srv.RequestsTo(mock.ArtixAPI) {
					if r.StatusCode == 200 {
						t.Errorf("a batch was accepted: %+v", r)
					}
				}
			})
			t.Run(fmt.Sprintf("file %s %d", name, n), func(t *testing.T) {
				dir := t.TempDir()
				ax, err := loyalty.NewArtixExchangeDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				checkNotRewalkable(t, ax.SendSeq(context.Background(), seq()))
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					t.Errorf("files left: %v", entries)
				}
			})
		}
	}
}

func checkNotRewalkable(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, loyalty.ErrArtixSeqNotRewalkable) {
		t.Fatalf("want ErrArtixSeqNotRewalkable, got %v", err)
	}
	if !strings.Contains(err.Error(), "re-walkable") {
		t.Errorf("the error does not say the iterator must be re-walkable: %v", err)
	}
}
