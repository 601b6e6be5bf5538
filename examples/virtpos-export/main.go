// Command virtpos-export writes every VirtPOS customer to CSV or JSON Lines,
// streaming page by page (memory stays flat however many customers there
// are). On stderr it shows a progress bar on a terminal, or logs a line
// every -log-every (5s) elsewhere, and ends with the count and the rate.
// It asks VirtPOS for XML, the library's default and its faster decoder
// (-virtpos-format json asks for JSON). It only reads.
//
// With no server flags it exports the embedded mock's seed data:
//
//	go run ./examples/virtpos-export                       # CSV to stdout
//	go run ./examples/virtpos-export -format jsonl -o customers.jsonl
//	LOYALTY_VIRTPOS_APIKEY=... go run ./examples/virtpos-export \
//	    -virtpos-url https://mycompany.myvirtualpos.ru -o customers.csv
//
// The apikey comes from -virtpos-apikey or LOYALTY_VIRTPOS_APIKEY (prefer
// the variable: flags show up in the process list); it is never printed.
// -h lists every flag and environment variable; -timeout (default 1h)
// bounds the whole export.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/examples/internal/exampleenv"
	"github.com/loyaltykit/loyalty/mock"
)

func main() { exampleenv.Main("virtpos-export", run) }

// options are the parsed flags.
type options struct {
	virtpos       exampleenv.VirtPOS
	wire          string
	format, out   string
	pageSize      int
	withPhone     bool
	quiet         bool
	logEvery      time.Duration
	mockCustomers int
	timeout       time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := exampleenv.NewFlagSet("virtpos-export", stderr)
	fs.Description = "virtpos-export writes every VirtPOS customer to CSV or JSON Lines (it only reads VirtPOS)."
	o := &options{}
	fs.VirtPOS(&o.virtpos)
	fs.StringVar(&o.wire, "virtpos-format", "xml", "wire format to ask for: xml (the library's default) or json")
	fs.StringVar(&o.format, "format", "csv", "output format: csv or jsonl")
	fs.StringVar(&o.out, "o", "-", "output file (- for stdout)")
	fs.IntVar(&o.pageSize, "page-size", 200, "customers per request")
	fs.BoolVar(&o.withPhone, "with-phone", false, "only customers with a phone")
	fs.BoolVar(&o.quiet, "q", false, "no progress on stderr")
	fs.LogEvery(&o.logEvery)
	fs.IntVar(&o.mockCustomers, "mock-customers", 1000, "customers in the embedded mock")
	fs.Timeout(&o.timeout, time.Hour)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case o.format != "csv" && o.format != "jsonl":
		return nil, fmt.Errorf("-format %q: want csv or jsonl", o.format)
	case o.wire != "json" && o.wire != "xml":
		return nil, fmt.Errorf("-virtpos-format %q: want json or xml", o.wire)
	case o.pageSize < 1:
		return nil, fmt.Errorf("-page-size %d: want at least 1", o.pageSize)
	}
	if err := o.virtpos.Check(); err != nil {
		return nil, err
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	srv, stop, err := exampleenv.StartMockIf(o.virtpos.URL == "", mock.Config{Customers: o.mockCustomers})
	if err != nil {
		return err
	}
	defer stop()
	if srv != nil && !o.quiet {
		fmt.Fprintf(stderr, "exporting from the embedded mock at %s\n", srv.VirtPOSURL)
	}
	format := loyalty.FormatXML
	if o.wire == "json" {
		format = loyalty.FormatJSON
	}
	vp, err := o.virtpos.Client(srv, loyalty.WithFormat(format))
	if err != nil {
		return err
	}

	out := stdout
	if o.out != "-" {
		f, ferr := exampleenv.CreateFile(o.out, 0o644)
		if ferr != nil {
			return ferr
		}
		defer func() { err = f.Finish(err) }() // err: run's result
		out = f
	}
	return export(ctx, vp, o, out, stderr)
}

// export writes every customer the query of o selects to out, reporting
// progress on stderr.
func export(ctx context.Context, vp *loyalty.VirtPOS, o *options, out, stderr io.Writer) (err error) {
	q := &loyalty.CustomerQuery{PageSize: o.pageSize}
	if o.withPhone {
		q.WithPhone = new(true)
	}
	// The total, for the progress line: one customer of page 1 (count is
	// the number across all pages; a server that does not send it leaves 0).
	first, err := vp.Customers.List(ctx, &loyalty.CustomerQuery{WithPhone: q.WithPhone, Page: 1, PageSize: 1})
	if err != nil {
		return err
	}
	if o.quiet {
		stderr = io.Discard
	}
	p := exampleenv.NewProgress(stderr, "customers exported", int64(first.Count))
	p.LogEvery = o.logEvery
	defer func() { p.Finish(err) }()

	w := newWriter(o.format, out)
	for c, err := range vp.Customers.All(ctx, q) {
		if err != nil {
			return err
		}
		if err := w.write(c); err != nil {
			return err
		}
		p.Add(1)
	}
	return w.flush()
}

// writer writes customers in one format.
type writer interface {
	write(loyalty.Customer) error
	flush() error
}

func newWriter(format string, w io.Writer) writer {
	if format == "jsonl" {
		return &jsonlWriter{enc: json.NewEncoder(w)}
	}
	return &csvWriter{w: csv.NewWriter(w)}
}

// jsonlWriter writes one customer per line in the VirtPOS wire form.
type jsonlWriter struct{ enc *json.Encoder }

func (j *jsonlWriter) write(c loyalty.Customer) error { return j.enc.Encode(c) }
func (j *jsonlWriter) flush() error                   { return nil }

// csvHeader are the CSV columns, named as on the VirtPOS wire.
var csvHeader = []string{"id", "external_id", "lname", "fname", "mname", "phone", "email", "gender",
	"birth_day", "birth_month", "birth_year", "group_name", "accumulated_sales",
	"send_sms", "send_email", "send_push", "register_date", "last_update_date", "custom_information"}

type csvWriter struct {
	w      *csv.Writer
	header bool
}

func (c *csvWriter) write(cu loyalty.Customer) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(csvHeader); err != nil {
			return err
		}
	}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	return c.w.Write([]string{
		strconv.FormatInt(cu.ID, 10), cu.ExternalID, cu.LastName, cu.FirstName, cu.MiddleName, cu.Phone, cu.Email, string(cu.Gender),
		num(cu.BirthDay), num(cu.BirthMonth), num(cu.BirthYear), cu.GroupName, cu.AccumulatedSales.String(),
		strconv.FormatBool(cu.SendSMS), strconv.FormatBool(cu.SendEmail), strconv.FormatBool(cu.SendPush),
		stamp(cu.RegisterDate), stamp(cu.LastUpdateDate), cu.CustomInformation,
	})
}

func (c *csvWriter) flush() error {
	if !c.header { // no customers: still a valid CSV with its header
		c.header = true
		c.w.Write(csvHeader)
	}
	c.w.Flush()
	return c.w.Error()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateTime)
}
