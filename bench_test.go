package loyalty_test

// Benchmark helpers shared by the *_bench_test.go files: static response
// bodies, a loopback server that serves them, a dial counter (httptrace)
// and a peak-heap sampler (runtime/metrics). See BENCHMARKS.md.

import (
	"bytes"
	"context"
	"net/http/httptrace"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/mock"
)

// benchCustomer is the i-th generated customer: the spec's sample with
// its id, names, phone and e-mail varied.
func benchCustomer(i int) loyalty.Customer {
	c := mock.SampleCustomer()
	c.ID = int64(i)
	n := strconv.Itoa(i)
	c.FirstName += n
	c.Email = "customer" + n + "@example.ru"
	c.Phone = "+7916" + strconv.Itoa(1000000+i%9000000)
	c.ExternalID = "1C-" + n
	return c
}

// appendCustomerXML writes c as the mock and the spec's sample do.
func appendCustomerXML(b []byte, c *loyalty.Customer) []byte {
	field := func(name, v string) {
		b = append(b, "\t\t\t<"...)
		b = append(b, name...)
		if v == "" {
			b = append(b, "/>\n"...)
			return
		}
		b = append(b, '>')
		b = append(b, v...) // generated values need no escaping
		b = append(b, "</"...)
		b = append(b, name...)
		b = append(b, ">\n"...)
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(loyalty.TimeLayout)
	}
	nz := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	bit := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	b = append(b, "\t\t<customer>\n"...)
	field("id", strconv.FormatInt(c.ID, 10))
	field("fname", c.FirstName)
	field("lname", c.LastName)
	field("mname", c.MiddleName)
	field("age", strconv.Itoa(c.Age))
	field("email", c.Email)
	field("phone", c.Phone)
	field("gender", string(c.Gender))
	field("custom_information", c.CustomInformation)
	field("birth_day", nz(int64(c.BirthDay)))
	field("birth_month", nz(int64(c.BirthMonth)))
	field("birth_year", nz(int64(c.BirthYear)))
	field("register_date", ts(c.RegisterDate))
	field("accumulated_sales", c.AccumulatedSales.String())
	field("send_push", bit(c.SendPush))
	field("send_email", bit(c.SendEmail))
	field("send_sms", bit(c.SendSMS))
	field("group_id", nz(c.GroupID))
	field("group_name", c.GroupName)
	field("external_id", c.ExternalID)
	field("created_date", ts(c.CreatedDate))
	field("created_by", strconv.FormatInt(c.CreatedBy, 10))
	field("last_update_date", ts(c.LastUpdateDate))
	field("last_update_by", strconv.FormatInt(c.LastUpdateBy, 10))
	return append(b, "\t\t</customer>\n"...)
}

// customerBody is a customers response in format f: the envelope's head,
// the customers from..to-1, and its tail, as three parts so that a large
// body can be served by repeating the middle.
type customerBody struct{ head, customers, tail []byte }

func makeCustomerBody(f loyalty.Format, from, to, count int) customerBody {
	var body customerBody
	if f == loyalty.FormatJSON {
		body.head = []byte(`{"success":1,"type":"customer","count":` + strconv.Itoa(count) + `,"customers":[`)
		for i := from; i < to; i++ {
			if i > from {
				body.customers = append(body.customers, ',')
			}
			c := benchCustomer(i)
			j, err := c.MarshalJSON()
			if err != nil {
				panic(err)
			}
			body.customers = append(body.customers, j...)
		}
		body.tail = []byte("]}")
		return body
	}
	body.head = []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root>\n\t<success>1</success>\n\t<type>customer</type>\n\t<count>" +
		strconv.Itoa(count) + "</count>\n\t<customers>\n")
	for i := from; i < to; i++ {
		c := benchCustomer(i)
		body.customers = appendCustomerXML(body.customers, &c)
	}
	body.tail = []byte("\t</customers>\n</root>\n")
	return body
}

// bytes is the whole body with the customers repeated times times (a JSON
// array gets commas between the repeats).
func (cb customerBody) bytes(times int, f loyalty.Format) []byte {
	var b bytes.Buffer
	b.Grow(len(cb.head) + times*(len(cb.customers)+1) + len(cb.tail))
	b.Write(cb.head)
	for i := range times {
		if i > 0 && f == loyalty.FormatJSON {
			b.WriteByte(',')
		}
		b.Write(cb.customers)
	}
	b.Write(cb.tail)
	return b.Bytes()
}

// dialCounter counts new connections made under its context.
type dialCounter struct{ n atomic.Int64 }

func (d *dialCounter) ctx(parent context.Context) context.Context {
	return httptrace.WithClientTrace(parent, &httptrace.ClientTrace{
		ConnectStart: func(string, string) { d.n.Add(1) },
	})
}

// heapSampler records the peak of live and not yet collected heap objects
// (runtime/metrics /memory/classes/heap/objects:bytes) while it runs.
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
}

const heapObjects = "/memory/classes/heap/objects:bytes"

func startHeapSampler() *heapSampler {
	runtime.GC()
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	s := []metrics.Sample{{Name: heapObjects}}
	read := func() {
		metrics.Read(s)
		h.peak = max(h.peak, s[0].Value.Uint64())
	}
	read()
	go func() {
		defer close(h.done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return h
}

// peakMiB stops the sampler and returns the peak in MiB.
func (h *heapSampler) peakMiB() float64 {
	close(h.stop)
	<-h.done
	return float64(h.peak) / (1 << 20)
}

// allocCounter reads the process's count of heap allocations.
var allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
var allocMu sync.Mutex

func allocsSoFar() uint64 {
	allocMu.Lock()
	defer allocMu.Unlock()
	metrics.Read(allocSample)
	return allocSample[0].Value.Uint64()
}

// pair times two ways of doing the same call, interleaved so that both
// see the same machine state, and reports their ratios: time-ratio and
// allocs-ratio are sdk/raw. Allocations are counted process-wide, so both
// include the in-process server's share of each request.
// Steady-state calls must not dial: dials counts the connections made
// after the warm-up, and the benchmark fails if there are any.
func pair(b *testing.B, dials *dialCounter, sdk, raw func() error) {
	b.Helper()
	for _, f := range []func() error{sdk, raw} { // warm up: connect, fill caches
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
	dials.n.Store(0)
	b.ReportAllocs()
	var tSDK, tRaw time.Duration
	var aSDK, aRaw uint64
	n := 0
	for b.Loop() {
		for k, f := range []func() error{sdk, raw} {
			if n%2 == 1 {
				f = []func() error{raw, sdk}[k] // alternate which goes first
			}
			a0 := allocsSoFar()
			t0 := time.Now()
			err := f()
			dt := time.Since(t0)
			da := allocsSoFar() - a0
			if err != nil {
				b.Fatal(err)
			}
			if (n%2 == 0) == (k == 0) {
				tSDK, aSDK = tSDK+dt, aSDK+da
			} else {
				tRaw, aRaw = tRaw+dt, aRaw+da
			}
		}
		n++
	}
	// A pool that is not reused dials on every call. On a loaded machine
	// the odd connection can be dropped and remade, so allow 1 in 100.
	d := dials.n.Load()
	b.ReportMetric(float64(d)/float64(max(n, 1)), "dials/op")
	if d > max(1, int64(n)/100) {
		b.Errorf("%d new connections in %d calls after the warm-up: the pool is not reused", d, n)
	}
	b.ReportMetric(float64(tSDK.Nanoseconds())/float64(n), "sdk-ns/op")
	b.ReportMetric(float64(tRaw.Nanoseconds())/float64(n), "raw-ns/op")
	b.ReportMetric(float64(aSDK)/float64(n), "sdk-allocs/op")
	b.ReportMetric(float64(aRaw)/float64(n), "raw-allocs/op")
	b.ReportMetric(float64(tSDK)/float64(tRaw), "time-ratio")
	b.ReportMetric(float64(aSDK)/float64(max(aRaw, 1)), "allocs-ratio")
}
