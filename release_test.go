package loyalty_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/loyaltykit/loyalty"
)

// TestReleaseFiles: what a company needs before adopting the library is
// there and in shape: the MIT licence, and the README's licence line naming
// the dependencies under another licence; a Keep a Changelog file whose
// changes stay under Unreleased while no version is tagged, with only the
// standard subsections and no link to a tag or comparison that does not
// exist; Version saying what this tree is; the README's stability note.
func TestReleaseFiles(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if lic := read("LICENSE"); !strings.HasPrefix(lic, "MIT License") {
		t.Error("LICENSE is not the MIT licence", "; want strings.HasPrefix(lic, \"MIT License\")")
	} else if !strings.Contains(lic, "Permission is hereby granted, free of charge") {
		t.Error("LICENSE is not the MIT licence", "; want strings.Contains(lic, \"Permission is hereby granted, free of charge\")")
	}

	log := read("CHANGELOG.md")
	if !strings.Contains(log, "keepachangelog.com") {
		t.Error("CHANGELOG.md: want Keep a Changelog form with a ## [Unreleased] section", "; want strings.Contains(log, \"keepachangelog.com\")")
	} else if !strings.Contains(log, "\n## [Unreleased]\n") {
		t.Error("CHANGELOG.md: want Keep a Changelog form with a ## [Unreleased] section", "; want strings.Contains(log, \"\\n## [Unreleased]\\n\")")
	}
	tags := gitTags(t)
	for _, m := range regexp.MustCompile(`(?m)^## \[?v?(\d+\.\d+\.\d+)\]?`).FindAllStringSubmatch(log, -1) {
		if !tags["v"+m[1]] {
			t.Errorf("CHANGELOG.md has a release section %s, but no tag v%s exists: keep its changes under [Unreleased] until the tag is cut", m[0], m[1])
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^\[[^\]]+\]: (\S+)$`).FindAllStringSubmatch(log, -1) {
		for _, v := range regexp.MustCompile(`v\d+\.\d+\.\d+`).FindAllString(m[1], -1) {
			if !tags[v] {
				t.Errorf("CHANGELOG.md links %s, which names %s: no such tag", m[1], v)
			}
		}
	}
	standard := map[string]bool{"Added": true, "Changed": true, "Deprecated": true, "Removed": true, "Fixed": true, "Security": true}
	for _, m := range regexp.MustCompile(`(?m)^### (.*)$`).FindAllStringSubmatch(log, -1) {
		if !standard[m[1]] {
			t.Errorf("CHANGELOG.md: subsection %q is not one of Keep a Changelog's", m[1])
		}
	}

	if !tags["v"+loyalty.Version] && !strings.HasSuffix(loyalty.Version, "-dev") {
		t.Errorf("Version is %q, but no tag v%s exists: a tree between releases says the release it leads to, with -dev", loyalty.Version, loyalty.Version)
	}

	readme := read("README.md")
	if !strings.Contains(readme, "\n## Stability\n") {
		t.Error("README.md lacks its stability note (## Stability, v0.x)", "; want strings.Contains(readme, \"\\n## Stability\\n\")")
	} else if !strings.Contains(readme, "v0.x") {
		t.Error("README.md lacks its stability note (## Stability, v0.x)", "; want strings.Contains(readme, \"v0.x\")")
	}
	licence := readme[strings.Index(readme, "\n## Licence\n")+1:]
	if !strings.HasPrefix(licence, "## Licence\n") {
		t.Error("README.md lacks its ## Licence section")
	}
	for _, dep := range []string{"Mozilla Public License 2.0", "github.com/hashicorp/go-retryablehttp", "github.com/hashicorp/go-cleanhttp"} {
		if !strings.Contains(licence, dep) {
			t.Errorf("README.md's licence section does not name %q (two dependencies are MPL-2.0)", dep)
		}
	}
	if doc := read("doc.go"); !strings.HasPrefix(doc, "// Package loyalty ") {
		t.Error("doc.go does not start with the package overview")
	}
}

// gitTags are the tags of the repository, when git and the history are
// there (a source archive has neither: then no tag exists).
func gitTags(t *testing.T) map[string]bool {
	t.Helper()
	tags := map[string]bool{}
	out, err := exec.Command("git", "tag", "--list").Output()
	if err != nil {
		t.Logf("no git tags to check against (%v): none assumed", err)
		return tags
	}
	for _, tag := range strings.Fields(string(out)) {
		tags[tag] = true
	}
	return tags
}
