package cli_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestDemoOrigins checks that the demo's objects are located in the
// repository's examples/seed-cluster, at the lines -f reads them at.
func TestDemoOrigins(t *testing.T) {
	demo, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	files, err := load.Paths([]string{"../../examples/seed-cluster"})
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot.Origins{}
	for k, at := range files.Origins {
		at.File = strings.TrimPrefix(at.File, "../../")
		want[k] = at
	}
	if len(want) == 0 {
		t.Fatal("-f examples/seed-cluster located nothing")
	}
	if d := cmp.Diff(want, demo.Origins); d != "" {
		t.Errorf("demo origins (-files +demo):\n%s", d)
	}
}
