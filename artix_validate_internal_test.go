package loyalty

import (
	"strings"
	"testing"
	"time"
)

// Validating a command is on the path of every batch (SendSeq validates
// the whole batch before sending it): a valid one must not copy the record
// to the heap (issue 15: 3.8 MB a 1000-command send instead of 0.55 MB).
func TestArtixValidateAllocatesNothing(t *testing.T) {
	c := ArtixCustomer{ID: "42", FirstName: "Пётр", LastName: "Петров", BirthDate: "1966-05-20",
		Email: "petrov@example.ru", Gender: new(ArtixGenderMale), Subscribed: new(true),
		Options: &ArtixOptions{SendCheckToEmail: new(true)}}
	u := ArtixCustomerUpdate{ID: "42", FirstName: new("Пётр"), BirthDate: new(ArtixDate("1966-05-20")), ChildrenCount: new(2)}
	for name, f := range map[string]func() error{
		"ArtixCustomer.Validate":             c.Validate,
		"ArtixCustomerUpdate.Validate":       u.Validate,
		"validateArtixCommand(addClient)":    func() error { return validateArtixCommand(0, AddClient(c)) },
		"validateArtixCommand(update)":       func() error { return validateArtixCommand(0, UpdateClient(u)) },
		"validateArtixCommand(deleteClient)": func() error { return validateArtixCommand(0, DeleteClient("42")) },
	} {
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cmd := AddClient(c)
		upd := UpdateClient(u)
		var err error
		allocs := testing.AllocsPerRun(100, func() {
			switch name {
			case "validateArtixCommand(addClient)":
				err = validateArtixCommand(0, cmd)
			case "validateArtixCommand(update)":
				err = validateArtixCommand(0, upd)
			default:
				err = f()
			}
		})
		if err != nil || allocs != 0 {
			t.Errorf("%s: %v allocations a call (%v), want 0", name, allocs, err)
		}
	}
}

// Encoding a command into a buffer with room for it allocates nothing
// either: a batch's encoding costs its bytes, not a copy per command.
func TestArtixEncodeAllocatesNothing(t *testing.T) {
	c := ArtixCustomer{ID: "42", FirstName: "Пётр", LastName: "Петров", BirthDate: "1966-05-20",
		Gender: new(ArtixGenderMale), Subscribed: new(true), Options: &ArtixOptions{SendCheckToEmail: new(true)},
		Communications: &ArtixCommunications{}}
	u := ArtixCustomerUpdate{ID: "42", FirstName: new("Пётр"), BirthDate: new(ArtixDate("1966-05-20")),
		Options: &ArtixOptions{EmailConfirmed: new(true)}}
	buf := make([]byte, 0, 4096)
	for _, cmd := range []ArtixCommand{AddClient(c), UpdateClient(u), DeleteClient("42"), ClearClient()} {
		var err error
		allocs := testing.AllocsPerRun(100, func() { buf, err = cmd.appendJSON(buf[:0]) })
		if err != nil || allocs != 0 {
			t.Errorf("%s: %v allocations a command (%v), want 0", cmd.Name, allocs, err)
		}
	}
}

// plainDate agrees with time.Parse(time.DateOnly) on every date it
// accepts, and leaves the rest to it.
func TestPlainDateAgreesWithTimeParse(t *testing.T) {
	for _, s := range []string{
		"1966-05-20", "2024-02-29", "2023-02-29", "2023-02-28", "1900-02-29", "2000-02-29",
		"0000-01-01", "9999-12-31", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00",
		"2024-1-010", "+999-01-01", "-999-01-01", "2024-01-0a", "2024/01/01", "2024-01-1 ",
		"２０２４-01-01", "",
	} {
		y, ok := plainDate(s)
		tm, err := time.Parse(time.DateOnly, s)
		if ok && err != nil {
			t.Errorf("plainDate(%q) accepts it, time.Parse refuses: %v", s, err)
		}
		if ok && y != tm.Year() {
			t.Errorf("plainDate(%q) year %d, time.Parse %d", s, y, tm.Year())
		}
		if !ok && err == nil && len(s) == 10 && strings.Count(s, "-") == 2 && s[0] != '+' && s[0] != '-' {
			t.Errorf("plainDate(%q) leaves a plain date time.Parse accepts to the slow path", s)
		}
	}
}

// FuzzPlainDate: whatever plainDate accepts, time.Parse accepts with the
// same year.
func FuzzPlainDate(f *testing.F) {
	for _, s := range []string{"1966-05-20", "2024-02-29", "2023-02-29", "0000-01-01", "+999-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, ok := plainDate(s)
		if !ok {
			return
		}
		tm, err := time.Parse(time.DateOnly, s)
		if err != nil || tm.Year() != y {
			t.Errorf("plainDate(%q) = %d, true; time.Parse: %v, %v", s, y, tm, err)
		}
	})
}
