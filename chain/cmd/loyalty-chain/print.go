package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/loyaltykit/loyalty/chain"
)

// printStatus writes the registers' statuses: a table by shop and
// register, or JSON.
func printStatus(w io.Writer, sts []chain.RegisterStatus, jsonOut bool) error {
	if jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sts)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHOP\tREGISTER\tCONFIRMED\tLAG\tSTATE\tIN FLIGHT\tLAST ERROR")
	idle, working, failed := 0, 0, 0
	for _, st := range sts {
		inflight := "-"
		if st.InFlight {
			inflight = fmt.Sprintf("v%d batch %d/%d", st.Target, st.BatchesDone+1, st.Batches)
		}
		msg := st.LastError
		if len(msg) > 100 {
			msg = msg[:97] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\tv%d\t%d\t%s\t%s\t%s\n", st.Shop, st.Register, st.Confirmed, st.Lag, st.State, inflight, msg)
		switch st.State {
		case chain.StateIdle:
			idle++
		case chain.StateWorking:
			working++
		case chain.StateFailed:
			failed++
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	newest := int64(0)
	if len(sts) > 0 {
		newest = sts[0].Newest
	}
	_, err := fmt.Fprintf(w, "%d registers: %d idle, %d working, %d failed; newest version v%d\n", len(sts), idle, working, failed, newest)
	return err
}

// writePlan writes what each register needs.
func writePlan(w io.Writer, plans []chain.RegisterPlan, jsonOut bool) error {
	if jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(plans)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHOP\tREGISTER\tTARGET\tWORK\tCOMMANDS\tBATCHES\tWHY")
	for _, p := range plans {
		work := "-"
		switch {
		case p.Work.None():
		case p.Work.Full:
			work = fmt.Sprintf("full reload to v%d", p.Work.To)
		default:
			work = fmt.Sprintf("delta v%d→v%d", p.Work.From, p.Work.To)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", p.Shop, p.Register, p.Target, work, p.Work.Commands, p.Work.Batches, p.Work.Reason)
	}
	return tw.Flush()
}
