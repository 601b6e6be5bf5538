package chainsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"testing"

	"github.com/loyaltykit/loyalty"
)

func customer(id int64, name string) loyalty.Customer {
	return loyalty.Customer{ID: id, FirstName: name, Phone: fmt.Sprintf("+7 900 %07d", id)}
}

func customers(cs ...loyalty.Customer) iter.Seq2[loyalty.Customer, error] {
	return func(yield func(loyalty.Customer, error) bool) {
		for _, c := range cs {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// apply plays a unit's commands onto a register's directory, as the tills
// would.
func apply(t *testing.T, dir map[string]string, cmds []loyalty.ArtixCommand) {
	t.Helper()
	for _, c := range cmds {
		switch c.Name {
		case loyalty.ArtixClearClient:
			clear(dir)
		case loyalty.ArtixDeleteClient:
			delete(dir, c.ID)
		case loyalty.ArtixAddClient:
			dir[c.Client.ID] = c.Client.FirstName
		default:
			t.Fatalf("unexpected command %s", c.Name)
		}
	}
}

// walk runs every unit of w for a register, applying them to dir, and
// returns the units' dictionary ids.
func walk(t *testing.T, store VersionStore, w Work, dir map[string]string) []string {
	t.Helper()
	var ids []string
	u, ok := FirstUnit("111/1", w)
	for ok {
		cmds, last, err := u.Commands(context.Background(), store)
		if err != nil {
			t.Fatalf("%v: Commands: %v", u, err)
		}
		if len(cmds) > u.Size {
			t.Errorf("%v: %d commands, more than the batch size %d", u, len(cmds), u.Size)
		}
		apply(t, dir, cmds)
		ids = append(ids, u.DictionaryID())
		u, ok = u.Next(last)
	}
	return ids
}

func TestSnapshotVersionsAndPlans(t *testing.T) {
	ctx := context.Background()
	store := NewMemStore()
	v1 := []loyalty.Customer{customer(1, "Анна"), customer(2, "Борис"), customer(3, "Вера"), {ID: 4, FirstName: "без телефона"}}
	res, err := Snapshot(ctx, store, customers(v1...))
	if err != nil {
		t.Fatalf("Snapshot v1: %v", err)
	}
	if res.Version != 1 || res.Added != 3 || res.Skipped != 1 || !res.New {
		t.Errorf("Snapshot v1 = %+v, want version 1, 3 added, 1 skipped (no phone)", res)
	}
	res, err = Snapshot(ctx, store, customers(v1...))
	if err != nil || res.New || res.Version != 1 {
		t.Errorf("Snapshot of the same customers = %+v, %v; want no new version (still 1)", res, err)
	}
	v2 := []loyalty.Customer{customer(1, "Анна"), customer(2, "Борислав"), customer(5, "Дмитрий"), customer(5, "Дубль")}
	res, err = Snapshot(ctx, store, customers(v2...))
	if err != nil {
		t.Fatalf("Snapshot v2: %v", err)
	}
	if res.Version != 2 || res.Added != 1 || res.Updated != 1 || res.Deleted != 1 || res.Duplicates != 1 {
		t.Errorf("Snapshot v2 = %+v, want version 2: 1 added, 1 updated, 1 deleted, 1 duplicate", res)
	}
	want := map[string]string{"1": "Анна", "2": "Борислав", "5": "Дмитрий"}

	// A register at version 1 gets the delta: 3 commands in 2 batches.
	dir := map[string]string{"1": "Анна", "2": "Борис", "3": "Вера"}
	w, err := PlanRegister(ctx, store, 1, 2, false, Policy{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if w.Full || w.Commands != 3 || w.Batches != 2 {
		t.Errorf("plan from 1 = %+v, want the delta: 3 commands in 2 batches", w)
	}
	ids := walk(t, store, w, dir)
	if !maps.Equal(dir, want) {
		t.Errorf("after the delta the register holds %v, want %v", dir, want)
	}
	if want := []string{"chain-111.1-1-2d-1of2", "chain-111.1-1-2d-2of2"}; !slices.Equal(ids, want) {
		t.Errorf("dictionary ids %v, want %v", ids, want)
	}

	// A new register is reloaded in full: clearClient and every client.
	dir = map[string]string{"junk": "x"}
	w, _ = PlanRegister(ctx, store, 0, 2, false, Policy{BatchSize: 2})
	if !w.Full || w.Commands != 4 || w.Batches != 2 {
		t.Errorf("plan for a new register = %+v, want a full reload: 4 commands in 2 batches", w)
	}
	walk(t, store, w, dir)
	if !maps.Equal(dir, want) {
		t.Errorf("after the full reload the register holds %v, want %v", dir, want)
	}

	for _, tc := range []struct {
		name      string
		confirmed int64
		disagrees bool
		maxLag    int64
		full      bool
		none      bool
	}{
		{"up to date", 2, false, 0, false, true},
		{"read-back disagrees", 2, true, 0, true, false},
		{"one version behind", 1, false, 0, false, false},
		{"ahead of newest", 7, false, 0, true, false},
	} {
		w, err := PlanRegister(ctx, store, tc.confirmed, 2, tc.disagrees, Policy{MaxLag: tc.maxLag})
		if err != nil {
			t.Fatal(err)
		}
		if w.Full != tc.full || w.None() != tc.none {
			t.Errorf("%s: plan = %+v, want full %v, none %v", tc.name, w, tc.full, tc.none)
		}
	}
}

func TestSnapshotIncompleteRecordsNothing(t *testing.T) {
	ctx := context.Background()
	store := NewMemStore()
	if _, err := Snapshot(ctx, store, customers(customer(1, "Анна"))); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("page 3: connection reset")
	partial := func(yield func(loyalty.Customer, error) bool) {
		if yield(customer(2, "Борис"), nil) {
			yield(loyalty.Customer{}, boom)
		}
	}
	_, err := Snapshot(ctx, store, partial)
	if !errors.Is(err, ErrSnapshotIncomplete) || !errors.Is(err, boom) {
		t.Errorf("err = %v, want ErrSnapshotIncomplete wrapping the read error", err)
	}
	n := 0
	if v, _ := store.Live(ctx, func(string, Hash) { n++ }); v != 1 || n != 1 {
		t.Errorf("after a failed read the store is at version %d with %d clients, want version 1 with 1", v, n)
	}
}

func TestUnitCommandsAreTheSameOnEveryRead(t *testing.T) {
	ctx := context.Background()
	store := NewMemStore()
	var cs []loyalty.Customer
	for i := range 10 {
		cs = append(cs, customer(int64(i+1), fmt.Sprint("c", i)))
	}
	Snapshot(ctx, store, customers(cs...))
	w, _ := PlanRegister(ctx, store, 0, 1, false, Policy{BatchSize: 4})
	u, _ := FirstUnit("111/1", w)
	u, _ = u.Next("3")
	a, _, err := u.Commands(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := u.Commands(ctx, store)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("a unit read twice gave different commands:\n%s\n%s", ja, jb)
	}
}

// TestUnitDictionaryID: the id is the unit's alone, so the same unit
// (a re-sent batch, read back from its job's JSON) has the same id; a full reload's repair count makes a
// second read-back repair at the same versions a batch of its own; a
// delta's ids ignore it.
func TestUnitDictionaryID(t *testing.T) {
	full := Unit{Register: "111/1", From: 3, To: 3, Full: true, Batch: 1, Batches: 2, Size: 10}
	delta := Unit{Register: "111/2", From: 2, To: 3, Batches: 1, Size: 10}
	repair := func(u Unit, n int) Unit { u.Repair = n; return u }
	for _, tc := range []struct {
		u    Unit
		want string
	}{
		{full, "chain-111.1-3-3f-2of2"},
		{repair(full, 1), "chain-111.1-3-3f-r1-2of2"},
		{repair(full, 2), "chain-111.1-3-3f-r2-2of2"},
		{delta, "chain-111.2-2-3d-1of1"},
		{repair(delta, 4), "chain-111.2-2-3d-1of1"},
		{Unit{Register: "1 2/3", From: 0, To: 7, Full: true, Batches: 1}, "chain-1_2.3-0-7f-1of1"},
	} {
		if got := tc.u.DictionaryID(); got != tc.want {
			t.Errorf("%+v: DictionaryID() = %q, want %q", tc.u, got, tc.want)
		}
		// A retried job reads its unit back from its JSON arguments.
		b, err := json.Marshal(tc.u)
		if err != nil {
			t.Fatal(err)
		}
		var back Unit
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if got := back.DictionaryID(); got != tc.want {
			t.Errorf("%+v read back from %s: DictionaryID() = %q, want %q", tc.u, b, got, tc.want)
		}
	}
}
