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

// TestWriteKeepsGapsAndProblems: what could not be read survives the round
// trip, so an audit of the file is as incomplete as the live one was.
func TestWriteKeepsGapsAndProblems(t *testing.T) {
	for _, format := range []string{"yaml", "json"} {
		snap := &snapshot.Snapshot{Source: "live: prod",
			Gaps:     []snapshot.Gap{{Resource: "networkpolicies.networking.k8s.io", Reason: "forbidden"}},
			Problems: []snapshot.Problem{{Where: "live: adminnetworkpolicies/x", Message: "bad"}}}
		var buf bytes.Buffer
		if err := snap.Write(&buf, format, load.KindOf); err != nil {
			t.Fatal(err)
		}
		back := &snapshot.Snapshot{}
		load.Bytes(back, "s."+format, buf.Bytes())
		if d := cmp.Diff(snap.Gaps, back.Gaps); d != "" {
			t.Errorf("%s gaps (-written +read):\n%s", format, d)
		}
		if d := cmp.Diff(snap.Problems, back.Problems); d != "" {
			t.Errorf("%s problems (-written +read):\n%s", format, d)
		}
		if len(back.Unknown) > 0 {
			t.Errorf("%s: the info item counted as an unknown kind: %v", format, back.Unknown)
		}
	}
}
