package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestQuickstartAgainstMock(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out, io.Discard); err != nil {
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
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q): want an error", args)
		}
	}
	cfg, err := parseFlags([]string{"-only", "crm", "-crm-url", "https://crm.example"}, io.Discard)
	if err != nil || cfg.wants("virtpos") || !cfg.wants("crm") || cfg.needsMock() {
		t.Fatalf("cfg %+v err %v", cfg, err)
	}
}

func TestQuickstartHelpHidesSecrets(t *testing.T) {
	t.Setenv("LOYALTY_VIRTPOS_APIKEY", "canary-apikey-4711")
	t.Setenv("LOYALTY_ARTIX_PASSWORD", "canary-password-4711")
	var usage bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &usage); err == nil {
		t.Fatal("-h: want flag.ErrHelp")
	}
	for _, want := range []string{"-virtpos-apikey", "LOYALTY_VIRTPOS_APIKEY", "LOYALTY_ARTIX_PASSWORD", "LOYALTY_CRM_CERT"} {
		if !strings.Contains(usage.String(), want) {
			t.Fatalf("usage lacks %s:\n%s", want, usage.String())
		}
	}
	if strings.Contains(usage.String(), "canary") {
		t.Fatalf("usage prints a secret:\n%s", usage.String())
	}
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil || cfg.virtpos.APIKey != "canary-apikey-4711" || cfg.artix.Password != "canary-password-4711" {
		t.Fatalf("secrets from the environment not used: %v", err)
	}
}
