package loyalty_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// overrunServer is a VirtPOS over raw TCP that answers every customer
// write with the id the write's fname names ("c123" → 123) and then, past
// Content-Length, a whole second answer with id 999999, as a server (or a
// PHP/CGI bug) that writes more than it announced does. It keeps
// connections alive unless the request asks to close. It returns the URL
// and the number of connections accepted.
func overrunServer(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	answer := func(id string) string {
		body := `{"success":1,"id":` + id + `,"isnew":1}`
		return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					b, _ := io.ReadAll(req.Body)
					form, _ := url.ParseQuery(string(b))
					id := strings.TrimPrefix(form.Get("fname"), "c")
					if _, err := io.WriteString(c, answer(id)+answer("999999")); err != nil || req.Close {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String(), &conns
}

// Issue 20 item 7: a server that writes past Content-Length must not hand
// one Create another answer's id. Every write that is not safe to repeat
// goes over a connection of its own, so an answer's excess never reaches
// another request: 1 600 concurrent Creates over real sockets each get
// their own id, or an error, never a wrong id with a nil error.
func TestWriteGetsItsOwnAnswerPastContentLength(t *testing.T) {
	u, conns := overrunServer(t)
	vp, err := loyalty.NewVirtPOS(u, "overrun-key-1234", loyalty.WithFormat(loyalty.FormatJSON), loyalty.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	const writes, workers = 1600, 32
	var wrong, failed atomic.Int32
	var firstWrong atomic.Value
	next := atomic.Int32{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > writes {
					return
				}
				res, err := vp.Customers.Create(context.Background(), &loyalty.CustomerUpdate{FirstName: new("c" + strconv.Itoa(int(n)))})
				switch {
				case err != nil:
					failed.Add(1)
				case res.ID != int64(n):
					wrong.Add(1)
					firstWrong.CompareAndSwap(nil, fmt.Sprintf("write %d got id %d", n, res.ID))
				}
			}
		}()
	}
	wg.Wait()
	if w := wrong.Load(); w > 0 {
		t.Errorf("%d of %d writes got another answer's id with a nil error (first: %v), want 0", w, writes, firstWrong.Load())
	}
	if f := failed.Load(); f > 0 {
		t.Errorf("%d of %d writes failed, want 0", f, writes)
	}
	if c := conns.Load(); c != writes {
		t.Errorf("%d connections for %d writes, want one each", c, writes)
	}
}
