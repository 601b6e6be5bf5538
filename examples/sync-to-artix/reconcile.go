package main

import (
	"context"
	"fmt"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
	"github.com/loyaltykit/loyalty/mock"
)

// reconcileAll compares the tills' directory, read back through the Cash
// Server's REST API, with VirtPOS and sends only the difference: clients
// missing on the tills are added, those whose record differs are re-sent
// (addClient replaces the record), unchanged ones are skipped (-full sends
// them anyway). Clients on the tills that VirtPOS does not have (or has
// without a usable phone) are counted as extra and left alone, unless
// -prune deletes them: the tills may hold clients loaded by another
// system. Nothing is deleted when VirtPOS could not be read to the end.
func reconcileAll(ctx context.Context, vp *loyalty.VirtPOS, ax *loyalty.Artix, cs *loyalty.ArtixCashServer, o *options) (*Report, error) {
	rep := &Report{}
	tills := map[string]string{} // idclient → fingerprint of what the read-back shows
	prog := exampleenv.NewProgress(nil, "", 0)
	if o.progress != nil {
		prog = o.progress("clients read back from the Cash Server", 0)
	}
	for rec, err := range cs.Customers.All(ctx) {
		if err != nil {
			prog.Finish(err)
			return rep, fmt.Errorf("reading the tills' directory (nothing sent): %w", err)
		}
		prog.Add(1)
		tills[rec.ID] = visibleFingerprint(rec.ArtixCustomer)
	}
	prog.Finish(nil)

	b := &batcher{ctx: ctx, ax: ax, size: o.batch, confirm: o.confirm.timeout, rep: rep, progress: o.progress, name: ArtixName(o.artixName)}
	gone, err := diff(ctx, vp, b, tills, visibleFingerprint, o.full)
	if err != nil {
		return rep, err
	}
	for _, id := range gone {
		if !o.prune {
			rep.Extra++
			continue
		}
		b.add(pending{kind: "deleted", id: id, cmd: loyalty.DeleteClient(id)})
	}
	b.flush()
	return rep, ctx.Err()
}

// visible is what the Cash Server's read-back shows of a client: the
// attributes of its field model. lastname, patronymic, the special dates,
// childrencount, options and communications are not among them, so a
// change of those alone is not seen (-full re-sends every client).
func visible(a loyalty.ArtixCustomer) loyalty.ArtixCustomer {
	a.LastName, a.MiddleName = "", ""
	a.SpecialDate1, a.SpecialDate2, a.SpecialDate3 = "", "", ""
	a.ChildrenCount, a.Options, a.Communications = nil, nil, nil
	return a
}

// csOptions say where the Cash Server's REST API is and how it pages.
type csOptions struct {
	URL, User, Password  string
	PageSize             int // 0: the whole directory in one request
	PageParam, SizeParam string
}

// visibleFingerprint identifies what the read-back shows of a client.
func visibleFingerprint(a loyalty.ArtixCustomer) string { return fingerprint(visible(a)) }

// cashServer is the client that reads the tills' directory back: the
// Cash Server o names, or the embedded mock's.
func cashServer(o *options, srv *mock.Server) (*loyalty.ArtixCashServer, error) {
	if o.cs.URL == "" {
		return srv.ArtixCashServer(), nil
	}
	var opts []loyalty.ArtixCashServerOption
	if o.cs.User != "" {
		opts = append(opts, loyalty.WithBasicAuth(o.cs.User, o.cs.Password))
	}
	if o.cs.PageSize == 0 {
		opts = append(opts, loyalty.WithoutArtixPaging())
	} else {
		opts = append(opts, loyalty.WithArtixPaging(loyalty.ArtixPaging{PageParam: o.cs.PageParam, SizeParam: o.cs.SizeParam, Size: o.cs.PageSize}))
	}
	return loyalty.NewArtixCashServer(o.cs.URL, opts...)
}
