package snapshot_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestWriteRoundTrip writes the normalised demo and loads it back: the same
// objects, and normalising again changes nothing.
func TestWriteRoundTrip(t *testing.T) {
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			orig, err := cli.Demo()
			if err != nil {
				t.Fatal(err)
			}
			orig.Normalize()
			var buf bytes.Buffer
			if err := orig.Write(&buf, format, load.KindOf); err != nil {
				t.Fatal(err)
			}
			back := &snapshot.Snapshot{Source: orig.Source}
			load.Bytes(back, "snapshot."+format, buf.Bytes())
			if len(back.Problems) > 0 {
				t.Fatalf("reloading: %v", back.Problems)
			}
			back.Normalize()
			if d := cmp.Diff(orig, back); d != "" {
				t.Errorf("round trip (-written +reloaded):\n%s", d)
			}
		})
	}
}

func TestWriteKeepsNoSecretValues(t *testing.T) {
	snap := &snapshot.Snapshot{}
	load.Bytes(snap, "s.yaml", []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\ndata: {password: aHVudGVyMg==}\nstringData: {token: s3cr3t}\n"))
	var buf bytes.Buffer
	if err := snap.Write(&buf, "yaml", load.KindOf); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, "aHVudGVyMg") || strings.Contains(out, "s3cr3t") {
		t.Errorf("secret value written:\n%s", out)
	}
}
