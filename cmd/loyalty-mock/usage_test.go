package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestUsageListsEnvironmentVariables: -h lists the environment variables
// as well as the flags, and never prints the password's value.
func TestUsageListsEnvironmentVariables(t *testing.T) {
	t.Setenv(artixPasswordEnv, "canary-password-4711")
	var usage bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	help := usage.String()
	if !strings.Contains(help, "-artix-user") {
		t.Fatalf("usage lacks the flags or the environment variables:\n%s; want strings.Contains(help, \"-artix-user\")", help)
	} else if !strings.Contains(help, "Environment variables:\n  "+artixPasswordEnv) {
		t.Fatalf("usage lacks the flags or the environment variables:\n%s; want strings.Contains(help, \"Environment variables:\\n  \"+artixPasswordEnv)", help)
	}
	if strings.Contains(help, "canary") {
		t.Fatalf("usage prints the password:\n%s", help)
	}
}

// TestUsageSaysWhatItDoes: -h opens with one line saying what the program
// does and names the verify and help subcommands; `help` prints the same
// text and `help verify` verify's, each as -h does (flag.ErrHelp, so exit
// 0), and help for an unknown subcommand is an error naming it.
func TestUsageSaysWhatItDoes(t *testing.T) {
	var dashH bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, io.Discard, &dashH); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	first, _, _ := strings.Cut(dashH.String(), "\n")
	if want := "loyalty-mock serves fake VirtPOS, CRM and Artix APIs"; !strings.HasPrefix(first, want) {
		t.Errorf("-h opens with %q, want a line starting %q", first, want)
	}
	for _, want := range []string{"loyalty-mock verify [-load STATE] [-json] CASSETTE...", "loyalty-mock help [verify]", "-artix-user"} {
		if !strings.Contains(dashH.String(), want) {
			t.Errorf("-h lacks %q:\n%s", want, dashH.String())
		}
	}
	var help bytes.Buffer
	if err := run(t.Context(), []string{"help"}, io.Discard, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("help: %v, want flag.ErrHelp", err)
	}
	if help.String() != dashH.String() {
		t.Errorf("help prints\n%s\nwant what -h prints:\n%s", help.String(), dashH.String())
	}
	var verifyHelp bytes.Buffer
	if err := run(t.Context(), []string{"help", "verify"}, io.Discard, &verifyHelp); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("help verify: %v, want flag.ErrHelp", err)
	}
	if want := "loyalty-mock verify checks the mock against cassettes"; !strings.HasPrefix(verifyHelp.String(), want) {
		t.Errorf("help verify prints\n%s\nwant it to open with %q", verifyHelp.String(), want)
	}
	err := run(t.Context(), []string{"help", "serve"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `"serve"`) {
		t.Errorf("help serve: %v, want an error naming \"serve\"", err)
	}
}
