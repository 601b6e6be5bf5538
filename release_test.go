package loyalty_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReleaseFiles: what a company needs before adopting the library is
// there and in shape: the MIT licence, a Keep a Changelog file with an
// Unreleased section above v0.1.0 and only the standard subsections, and
// the README's stability note.
func TestReleaseFiles(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if lic := read("LICENSE"); !strings.HasPrefix(lic, "MIT License") || !strings.Contains(lic, "Permission is hereby granted, free of charge") {
		t.Error("LICENSE is not the MIT licence")
	}

	log := read("CHANGELOG.md")
	unreleased, v010 := strings.Index(log, "\n## [Unreleased]\n"), strings.Index(log, "\n## [0.1.0] - ")
	if !strings.Contains(log, "keepachangelog.com") || unreleased < 0 || v010 < unreleased {
		t.Error("CHANGELOG.md: want Keep a Changelog form with ## [Unreleased] above ## [0.1.0]")
	}
	standard := map[string]bool{"Added": true, "Changed": true, "Deprecated": true, "Removed": true, "Fixed": true, "Security": true}
	for _, m := range regexp.MustCompile(`(?m)^### (.*)$`).FindAllStringSubmatch(log, -1) {
		if !standard[m[1]] {
			t.Errorf("CHANGELOG.md: subsection %q is not one of Keep a Changelog's", m[1])
		}
	}
	for _, link := range []string{"[Unreleased]: ", "[0.1.0]: "} {
		if !strings.Contains(log, "\n"+link) {
			t.Errorf("CHANGELOG.md lacks the link %s", link)
		}
	}

	if readme := read("README.md"); !strings.Contains(readme, "\n## Stability\n") || !strings.Contains(readme, "v0.x") {
		t.Error("README.md lacks its stability note (## Stability, v0.x)")
	}
	if doc := read("doc.go"); !strings.HasPrefix(doc, "// Package loyalty ") {
		t.Error("doc.go does not start with the package overview")
	}
}
