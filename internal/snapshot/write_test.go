package snapshot_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestWriteRoundTrip writes the normalised demo and loads it back: the same
// objects, and normalising again changes nothing.
func TestWriteRoundTrip(t *testing.T) {
	for _, format := range snapshot.Formats {
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
			if err := load.Reader(back, "snapshot."+format, &buf); err != nil {
				t.Fatal(err)
			}
			if len(back.Problems) > 0 {
				t.Fatalf("reloading: %v", back.Problems)
			}
			back.Normalize()
			// Where each object was read differs: the demo's files, then the written snapshot.
			if d := cmp.Diff(orig, back, cmpopts.IgnoreFields(snapshot.Snapshot{}, "Origins")); d != "" {
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
	for _, format := range snapshot.Formats {
		snap := &snapshot.Snapshot{Source: "live: prod",
			Gaps:     []snapshot.Gap{{Resource: "networkpolicies.networking.k8s.io", Reason: "forbidden"}},
			Problems: []snapshot.Problem{{Where: "live: adminnetworkpolicies/x", Message: "bad"}}}
		var buf bytes.Buffer
		if err := snap.Write(&buf, format, load.KindOf); err != nil {
			t.Fatal(err)
		}
		back := &snapshot.Snapshot{}
		if err := load.Reader(back, "s."+format, &buf); err != nil {
			t.Fatal(err)
		}
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

// TestWriteCompressed: -o yaml.gz is -o yaml compressed, header comments
// included; -o json.gz is the List of -o json, compact, one item a line,
// compressed.
func TestWriteCompressed(t *testing.T) {
	snap, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	written := map[string][]byte{}
	for _, format := range snapshot.Formats {
		var buf bytes.Buffer
		if err := snap.Write(&buf, format, load.KindOf); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		written[format] = buf.Bytes()
	}
	gunzip := func(format string) []byte {
		t.Helper()
		zr, err := gzip.NewReader(bytes.NewReader(written[format]))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		return b
	}
	t.Run("yaml.gz", func(t *testing.T) {
		if d := cmp.Diff(string(written["yaml"]), string(gunzip("yaml.gz"))); d != "" {
			t.Errorf("decompressed yaml.gz differs from yaml (-yaml +yaml.gz):\n%s", d)
		}
	})
	t.Run("json.gz", func(t *testing.T) {
		compact := gunzip("json.gz")
		var want, got any
		if err := json.Unmarshal(written["json"], &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(compact, &got); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("json.gz is not the List of json (-json +json.gz):\n%s", d)
		}
		lines := strings.Split(strings.TrimSuffix(string(compact), "\n"), "\n")
		items := len(want.(map[string]any)["items"].([]any))
		if len(lines) != items+2 || lines[0] != `{"apiVersion":"v1","kind":"List","items":[` || lines[len(lines)-1] != "]}" {
			t.Errorf("json.gz has %d lines, want the List's opening, %d items and its end", len(lines), items)
		}
		for _, line := range lines[1 : len(lines)-1] {
			if !strings.HasPrefix(line, "{") || strings.HasPrefix(line, "{ ") {
				t.Fatalf("an item line is not one compact object: %.80s", line)
			}
		}
		if len(compact) >= len(written["json"])*3/4 {
			t.Errorf("compact JSON is %d bytes, indented %d: not compact", len(compact), len(written["json"]))
		}
	})
}

func TestWriteUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	err := (&snapshot.Snapshot{}).Write(&buf, "xml", load.KindOf)
	if want := `unknown output format "xml": want yaml, json, yaml.gz or json.gz`; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q for an unknown format", buf.String())
	}
}

// TestWriteYAMLIsTheList: the YAML written item by item is, byte for
// byte, the List marshalled whole, header aside, also for multi-line
// values with blank lines, nested lists, empty maps and more items than
// one chunk of the writer.
func TestWriteYAMLIsTheList(t *testing.T) {
	snap, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	for i := 0; i < 600; i++ {
		snap.ConfigMaps = append(snap.ConfigMaps, corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("c%d", i), Namespace: "default", Annotations: map[string]string{}},
			Data: map[string]string{"script": "line one\n\n  indented\nlast: not a key\n", "empty": "", "list": "- a\n- b",
				"long": strings.Repeat("a long plain value with spaces that YAML folds at eighty columns ", 3)},
		})
	}
	var got bytes.Buffer
	if err := snap.Write(&got, "yaml", load.KindOf); err != nil {
		t.Fatal(err)
	}
	var asJSON bytes.Buffer
	if err := snap.Write(&asJSON, "json", load.KindOf); err != nil {
		t.Fatal(err)
	}
	want, err := yaml.JSONToYAML(asJSON.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	body := got.String()
	for strings.HasPrefix(body, "#") {
		body = body[strings.IndexByte(body, '\n')+1:]
	}
	if d := cmp.Diff(string(want), body); d != "" {
		t.Errorf("yaml differs from the List marshalled whole (-whole +written):\n%s", d)
	}
}
