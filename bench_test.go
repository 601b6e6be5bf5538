package loyalty_test

// Benchmark helpers shared by the *_bench_test.go files: static response
// bodies, a loopback server that serves them, a dial counter (httptrace)
// and a peak-heap sampler (runtime/metrics). See BENCHMARKS.md.

import (
	"bytes"
	"context"
	"net/http/httptrace"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
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
		return t.Format(time.DateTime)
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

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// allocsSoFar is the process's count of heap allocations. It reads
// runtime.MemStats (a short stop-the-world, kept out of the timed
// sections): runtime/metrics' /gc/heap/allocs:objects counts small
// allocations a span at a time and is too coarse for a few calls.
func allocsSoFar() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// variant is one way of making the same call; compare times several.
type variant struct {
	name string
	call func() error
}

// rotate runs each variant once per round of b.Loop, the order rotating
// from round to round so that every variant sees the same machine state,
// and returns the variants it ran, each one's total time, its peak heap
// in MiB when heap is set (a heap sampler forces a GC per call), and the
// number of rounds. It reports each variant's process CPU per call
// (V-cpu-ns/call). LOYALTY_BENCH_VARIANT=name runs that variant alone;
// vs itself is not modified.
func rotate(b *testing.B, vs []variant, heap bool) (ran []variant, ns []time.Duration, peak []float64, rounds int) {
	vs = onlyVariants(vs)
	ns = make([]time.Duration, len(vs))
	cpu := make([]time.Duration, len(vs))
	peak = make([]float64, len(vs))
	b.ReportAllocs()
	for b.Loop() {
		for j := range vs {
			i := (j + rounds) % len(vs)
			var h *heapSampler
			if heap {
				h = startHeapSampler()
			}
			t0, c0 := time.Now(), cpuTime()
			if err := vs[i].call(); err != nil {
				b.Fatalf("%s: %v", vs[i].name, err)
			}
			ns[i], cpu[i] = ns[i]+time.Since(t0), cpu[i]+cpuTime()-c0
			if h != nil {
				peak[i] = max(peak[i], h.peakMiB())
			}
		}
		rounds++
	}
	for i, v := range vs {
		b.ReportMetric(float64(cpu[i].Nanoseconds())/float64(max(rounds, 1)), v.name+"-cpu-ns/call")
	}
	return vs, ns, peak, rounds
}

// compare times variants of the same call, interleaved: every round runs
// each variant k times in a row (amortising the clock and allocation
// readings over k calls), and the order rotates from round to round so
// that every variant sees the same machine state. vs[0] is the SDK; for
// each variant v it reports v-ns/op and v-allocs/op per call, and the SDK's
// ratios x-v (time) and allocs-x-v. Allocations are counted process-wide:
// over loopback they include the in-process server's share, through
// testutil.MemTransport they are the client's alone.
//
// It also reports the process's CPU time (user+system, every thread) per
// call, V-cpu-ns/op, and the ratios cpu-x-V: on a loaded machine CPU time
// drifts far less than wall time.
//
// LOYALTY_BENCH_VARIANT=name runs that variant alone (no ratios), for
// counting its instructions with valgrind --tool=callgrind; a list
// (sdk,best) runs those variants, interleaved, the first one's ratios to
// the others reported.
//
// With dials non-nil, steady-state calls must not dial: the benchmark
// fails when more than 1 call in 100 (at least 1) makes a new connection.
func compare(b *testing.B, dials *dialCounter, k int, vs ...variant) {
	b.Helper()
	if vs = onlyVariants(vs); len(vs) == 0 {
		b.Skipf("no variant of LOYALTY_BENCH_VARIANT=%s", os.Getenv("LOYALTY_BENCH_VARIANT"))
	}
	for _, v := range vs { // warm up: connect, fill caches
		if err := v.call(); err != nil {
			b.Fatalf("%s: %v", v.name, err)
		}
	}
	if dials != nil {
		dials.n.Store(0)
	}
	b.ReportAllocs()
	ns := make([]time.Duration, len(vs))
	allocs := make([]uint64, len(vs))
	cpu := make([]time.Duration, len(vs))
	rounds := 0
	countAllocs := len(vs) > 1 // not under valgrind
	for b.Loop() {
		for j := range vs {
			i := (j + rounds) % len(vs)
			var a0 uint64
			if countAllocs {
				a0 = allocsSoFar()
			}
			c0 := cpuTime()
			t0 := time.Now()
			for range k {
				if err := vs[i].call(); err != nil {
					b.Fatalf("%s: %v", vs[i].name, err)
				}
			}
			ns[i] += time.Since(t0)
			cpu[i] += cpuTime() - c0
			if countAllocs {
				allocs[i] += allocsSoFar() - a0
			}
		}
		rounds++
	}
	calls := float64(max(rounds*k, 1))
	if dials != nil {
		// A pool that is not reused dials on every call. On a loaded
		// machine the odd connection can be dropped and remade.
		d := dials.n.Load()
		b.ReportMetric(float64(d)/calls, "dials/op")
		if d > max(1, int64(calls)/100) {
			b.Errorf("%d new connections in %.0f calls after the warm-up: the pool is not reused", d, calls)
		}
	}
	for i, v := range vs {
		b.ReportMetric(float64(ns[i].Nanoseconds())/calls, v.name+"-ns/op")
		b.ReportMetric(float64(allocs[i])/calls, v.name+"-allocs/op")
		b.ReportMetric(float64(cpu[i].Nanoseconds())/calls, v.name+"-cpu-ns/op")
		if i > 0 {
			b.ReportMetric(float64(ns[0])/float64(max(ns[i], 1)), "x-"+v.name)
			b.ReportMetric(float64(cpu[0])/float64(max(cpu[i], 1)), "cpu-x-"+v.name)
			b.ReportMetric(float64(allocs[0])/float64(max(allocs[i], 1)), "allocs-x-"+v.name)
		}
	}
}

// onlyVariants is vs cut to the variants LOYALTY_BENCH_VARIANT names (a
// name, or a comma-separated list, in vs's order), or vs when it is unset.
func onlyVariants(vs []variant) []variant {
	only := os.Getenv("LOYALTY_BENCH_VARIANT")
	if only == "" {
		return vs
	}
	names := strings.Split(only, ",")
	return slices.DeleteFunc(slices.Clone(vs), func(v variant) bool { return !slices.Contains(names, v.name) })
}
