package main

import (
	"bytes"
	"errors"
	"flag"
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
	if !strings.Contains(help, "-artix-user") || !strings.Contains(help, "Environment variables:\n  "+artixPasswordEnv) {
		t.Fatalf("usage lacks the flags or the environment variables:\n%s", help)
	}
	if strings.Contains(help, "canary") {
		t.Fatalf("usage prints the password:\n%s", help)
	}
}
