package loyalty

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoffHonoursRetryAfter(t *testing.T) {
	now := time.Now()
	resp := func(status int, ra string) *http.Response {
		h := http.Header{}
		if ra != "" {
			h.Set("Retry-After", ra)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	lo, hi := 10*time.Millisecond, 5*time.Second
	cases := []struct {
		name   string
		resp   *http.Response
		lo, hi time.Duration // the wait is within [lo, hi]
	}{
		{"429 seconds", resp(429, "2"), 2 * time.Second, 2 * time.Second},
		{"503 seconds", resp(503, "1"), time.Second, time.Second},
		{"429 capped", resp(429, "3600"), hi, hi},
		{"429 date capped", resp(429, now.Add(time.Hour).UTC().Format(http.TimeFormat)), hi, hi},
		{"429 date in the past", resp(429, now.Add(-time.Hour).UTC().Format(http.TimeFormat)), 0, 0},
		{"429 garbage", resp(429, "soon"), lo, hi},
		{"500 ignores Retry-After", resp(500, "4"), lo, hi},
	}
	for _, tc := range cases {
		got := backoff(lo, hi, 0, tc.resp)
		if got < tc.lo || got > tc.hi {
			t.Errorf("%s: wait %s, want within [%s, %s]", tc.name, got, tc.lo, tc.hi)
		}
	}
	if d, ok := parseRetryAfter(now.Add(30*time.Second).UTC().Format(http.TimeFormat), now); !ok {
		t.Errorf("HTTP-date: %s %v; want ok", d, ok)
	} else if d < 29*time.Second {
		t.Errorf("HTTP-date: %s %v; want d >= 29 * time.Second", d, ok)
	} else if d > 30*time.Second {
		t.Errorf("HTTP-date: %s %v; want d <= 30 * time.Second", d, ok)
	}
	if _, ok := parseRetryAfter("-3", now); ok {
		t.Error("negative seconds accepted")
	}
	for attempt := range 40 {
		if d := backoff(lo, hi, attempt, nil); d < lo {
			t.Errorf("attempt %d: %s outside [%s, %s]; want d >= lo", attempt, d, lo, hi)
		} else if d > hi {
			t.Errorf("attempt %d: %s outside [%s, %s]; want d <= hi", attempt, d, lo, hi)
		}
	}
}
