package loyalty_test

import (
	"context"
	"testing"

	"github.com/loyaltykit/loyalty/mock"
)

func TestCRMDirectoryMissingListIsEmptyNotNil(t *testing.T) {
	srv := mock.NewServer(t)
	crm := srv.CRM()
	for _, body := range []string{`{}`, `{"regions":null}`, `{"errors":[]}`} {
		srv.Fail(mock.Fault{API: mock.CRMAPI, Status: 200, Body: body, ContentType: "application/json"})
		regs, err := crm.Directory.Regions(context.Background())
		if err != nil || regs == nil || len(regs) != 0 {
			t.Errorf("%s: got %#v, %v; want an empty, non-nil slice", body, regs, err)
		}
	}
}
