package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestQuickstartAgainstMock(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"== Embedded mock server", "== VirtPOS", "== CRM", "== Artix", "== Done"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestQuickstartFlags(t *testing.T) {
	for _, args := range [][]string{{"-only", "nope"}, {"-virtpos-url", "https://x.example"}, {"extra"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q): want an error", args)
		}
	}
	cfg, err := parseFlags([]string{"-only", "crm", "-crm-url", "https://crm.example"})
	if err != nil || cfg.wants("virtpos") || !cfg.wants("crm") || cfg.needsMock() {
		t.Fatalf("cfg %+v err %v", cfg, err)
	}
}
