package loyalty_test

import (
	"context"
	"errors"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// TestRepeatedVerdictKeyIsMalformed: an answer holding its verdict key
// twice, in any case, resolved toward success (issue 20 item 13); it is
// an *APIError now, for the VirtPOS write envelope and the CRM errors
// array (the Artix reply: TestArtixLoadReplies; the VirtPOS customer
// list: TestDecodeErrors).
func TestRepeatedVerdictKeyIsMalformed(t *testing.T) {
	srv := mock.NewServer(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		api  mock.API
		body string
		call func() error
	}{
		{"virtpos success 0 then 1", mock.VirtPOSAPI, `{"success":0,"info":"Клиент не найден","success":1,"id":5,"isnew":1}`,
			func() error {
				_, err := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON)).Customers.Update(ctx, 1, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
				return err
			}},
		{"virtpos Success then SUCCESS", mock.VirtPOSAPI, `{"Success":0,"SUCCESS":1,"id":5}`,
			func() error {
				_, err := srv.VirtPOS(loyalty.WithFormat(loyalty.FormatJSON)).Customers.Update(ctx, 1, &loyalty.CustomerUpdate{Email: new("a@b.ru")})
				return err
			}},
		{"crm errors then none", mock.CRMAPI, `{"errors":[{"code":10210,"description":"Доступ запрещён"}],"errors":[],"contacts":[]}`,
			func() error {
				_, err := srv.CRM().Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "79161234567"})
				return err
			}},
		{"crm Errors then errors", mock.CRMAPI, `{"Errors":[{"code":10210,"description":"x"}],"errors":[],"contacts":[]}`,
			func() error {
				_, err := srv.CRM().Contacts.Find(ctx, loyalty.ContactFilter{MobilePhone: "79161234567"})
				return err
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.Fail(mock.Fault{API: tc.api, Status: 200, Body: tc.body, ContentType: "application/json"})
			defer srv.ClearFaults()
			err := tc.call()
			var ae *loyalty.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want an *APIError for a repeated verdict key, got %T %v", err, err)
			}
		})
	}
}
