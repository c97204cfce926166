package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every check has a unique name, and its own file and test file, named
// after it.
func TestCheckRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range checks {
		if c.name == "" || c.evaluate == nil {
			t.Errorf("check %q is incomplete", c.name)
		}
		if seen[c.name] {
			t.Errorf("check %q registered twice", c.name)
		}
		seen[c.name] = true
		for _, f := range []string{"check_" + c.name + ".go", "check_" + c.name + "_test.go"} {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("check %q: %v", c.name, err)
			}
		}
	}
}

// Every check file is registered (check_runtimeClass.go is a mitigation
// applied after the checks, not a check).
func TestCheckFilesRegistered(t *testing.T) {
	files, err := filepath.Glob("check_*.go")
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, c := range checks {
		registered[c.name] = true
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "check_runtimeClass.go" {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(f, "check_"), ".go")
		if !registered[name] {
			t.Errorf("%s: check %q is not in the registry", f, name)
		}
	}
}
