package loyalty_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// Customers.Update against the mock: what the spec allows beyond the
// usual fields (clearing birth date parts, any gender, any year, the
// audit fields), and what goes on the wire.

// lastForm is the form body of the last request the mock journaled.
func lastForm(t *testing.T, srv *mock.Server) url.Values {
	t.Helper()
	reqs := srv.Requests()
	form, err := url.ParseQuery(string(reqs[len(reqs)-1].Body))
	if err != nil {
		t.Fatal(err)
	}
	return form
}

// A pointer to 0 clears a birth date part: sent empty, which the server
// takes as "no value".
func TestCustomerUpdateClearsBirthDateParts(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	ctx := ctxT(t)
	if _, err := vp.Customers.Update(ctx, 1, &loyalty.CustomerUpdate{BirthDay: new(0), BirthMonth: new(0), BirthYear: new(0)}); err != nil {
		t.Fatalf("clearing the birth date: %v", err)
	}
	form := lastForm(t, srv)
	for _, k := range []string{"birth_day", "birth_month", "birth_year"} {
		if v, ok := form[k]; !ok || v[0] != "" {
			t.Errorf("form %s = %q (sent %v), want sent empty", k, v, ok)
		}
	}
	c, _ := srv.VirtPOSCustomer(1)
	if c.BirthDay != 0 || c.BirthMonth != 0 || c.BirthYear != 0 || c.Age != 0 {
		t.Errorf("after clearing: birth %d.%d.%d, age %d; want 0.0.0, age 0", c.BirthDay, c.BirthMonth, c.BirthYear, c.Age)
	}
}

// The spec bounds neither the birth year nor the gender: 1899 and "U"
// are sent and kept (the 1900 bound is Artix's).
func TestCustomerUpdateSendsWhatTheSpecDoesNotBound(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	ctx := ctxT(t)
	if _, err := vp.Customers.Update(ctx, 1, &loyalty.CustomerUpdate{BirthYear: new(1899), Gender: new(loyalty.Gender("U"))}); err != nil {
		t.Fatalf("birth year 1899, gender U: %v; want them sent", err)
	}
	got, err := vp.Customers.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.BirthYear != 1899 {
		t.Errorf("birth year %d, want 1899", got.BirthYear)
	}
	if got.Gender != "U" {
		t.Errorf("gender %q, want U", got.Gender)
	}
}

// The audit fields can be sent (every field but age); the mock applies
// them, never drops them silently.
func TestCustomerUpdateSendsAuditFields(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	ctx := ctxT(t)
	created := time.Date(2015, 3, 4, 5, 6, 7, 0, time.UTC)
	updated := time.Date(2016, 1, 2, 3, 4, 5, 0, time.UTC)
	u := &loyalty.CustomerUpdate{CreatedDate: &created, CreatedBy: new(int64(7)), LastUpdateDate: &updated, LastUpdateBy: new(int64(8))}
	if _, err := vp.Customers.Update(ctx, 1, u); err != nil {
		t.Fatal(err)
	}
	form := lastForm(t, srv)
	for k, want := range map[string]string{"created_date": "2015-03-04 05:06:07", "created_by": "7", "last_update_date": "2016-01-02 03:04:05", "last_update_by": "8"} {
		if got := form.Get(k); got != want {
			t.Errorf("form %s = %q, want %q", k, got, want)
		}
	}
	c, _ := vp.Customers.Get(ctx, 1)
	if !c.CreatedDate.Equal(created) || c.CreatedBy != 7 || !c.LastUpdateDate.Equal(updated) || c.LastUpdateBy != 8 {
		t.Errorf("read back created %v by %d, updated %v by %d; want %v by 7, %v by 8",
			c.CreatedDate, c.CreatedBy, c.LastUpdateDate, c.LastUpdateBy, created, updated)
	}
}

// GroupName new("") takes the customer out of its group through an empty
// group_id: the spec applies group_name only when it has a value, and the
// mock ignores an empty one as a server does.
func TestCustomerUpdateEmptyGroupName(t *testing.T) {
	srv := mock.NewServer(t)
	vp := srv.VirtPOS()
	ctx := ctxT(t)
	if _, err := vp.Customers.Update(ctx, 1, &loyalty.CustomerUpdate{GroupName: new("VIP")}); err != nil {
		t.Fatal(err)
	}
	if _, err := vp.Customers.Update(ctx, 1, &loyalty.CustomerUpdate{GroupName: new("")}); err != nil {
		t.Fatal(err)
	}
	form := lastForm(t, srv)
	if v, ok := form["group_id"]; !ok || v[0] != "" || form.Has("group_name") {
		t.Errorf("form %v, want group_id empty and no group_name", form)
	}
	if c, _ := srv.VirtPOSCustomer(1); c.GroupID != 0 || c.GroupName != "" {
		t.Errorf("group %d %q, want none", c.GroupID, c.GroupName)
	}
}
