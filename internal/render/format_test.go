package render

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/baseline"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/netpol"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestFormats: every command's declared formats are accepted, an unknown
// one is refused in the one wording, and the flag's default and help come
// from the declaration.
func TestFormats(t *testing.T) {
	wantErr := map[string]string{
		"audit":    `--output "xml": want text, json, html, sarif or markdown`,
		"paths":    `--output "xml": want text, json or dot`,
		"reach":    `--output "xml": want text, json or csv`,
		"who-can":  `--output "xml": want text or json`,
		"snapshot": `--output "xml": want yaml, json, yaml.gz or json.gz`,
		"harden":   `--output "xml": want text, yaml or json`,
		"diff":     `--output "xml": want text or json`,
		"check":    `--output "xml": want text or json`,
	}
	seen := map[string]bool{}
	for _, fs := range Commands {
		t.Run(fs.Command, func(t *testing.T) {
			if seen[fs.Command] {
				t.Fatalf("%s declared twice", fs.Command)
			}
			seen[fs.Command] = true
			if len(fs.Offered) == 0 {
				t.Fatal("no format offered")
			}
			for _, f := range fs.Offered {
				if err := fs.Check(f); err != nil {
					t.Errorf("Check(%q) = %v", f, err)
				}
			}
			for _, bad := range []Format{"xml", "", "TEXT", "json "} {
				if err := fs.Check(bad); err == nil {
					t.Errorf("Check(%q) accepted it", bad)
				}
			}
			if err := fs.Check("xml"); err == nil || err.Error() != wantErr[fs.Command] {
				t.Errorf("Check(xml) = %v, want %q", err, wantErr[fs.Command])
			}

			flags := pflag.NewFlagSet(fs.Command, pflag.ContinueOnError)
			var got Format
			fs.AddFlag(flags, &got)
			if got != fs.Offered[0] {
				t.Errorf("default %q, want %q", got, fs.Offered[0])
			}
			o := flags.ShorthandLookup("o")
			if o == nil || o.Name != "output" || o.DefValue != string(fs.Offered[0]) {
				t.Fatalf("-o is %+v, want --output defaulting to %s", o, fs.Offered[0])
			}
			for _, f := range fs.Offered {
				if !strings.Contains(o.Usage, string(f)) {
					t.Errorf("help %q does not list %s", o.Usage, f)
				}
			}
			if fs.Note != "" && !strings.Contains(o.Usage, fs.Note) {
				t.Errorf("help %q lacks the note %q", o.Usage, fs.Note)
			}
			last := fs.Offered[len(fs.Offered)-1]
			if err := flags.Parse([]string{"-o", string(last)}); err != nil || got != last {
				t.Errorf("-o %s: %q, %v", last, got, err)
			}
		})
	}
	if len(wantErr) != len(seen) {
		t.Errorf("declared %v, want %d commands", seen, len(wantErr))
	}
}

// TestWritersCoverFormats: each command's writer writes every format its
// declaration offers, and refuses an unknown one in the declaration's
// words, so that a format is never offered without a writer.
func TestWritersCoverFormats(t *testing.T) {
	path := attackpath.Path{Hops: []attackpath.Hop{{
		From: attackpath.Vertex{Kind: attackpath.User, Name: "alice"},
		To:   attackpath.Vertex{Kind: attackpath.Pod, Namespace: "b", Name: "web"}, Type: attackpath.ExecsInto}}}
	verdict := netpol.Verdict{From: "a/x", To: "b/y", Summary: "allowed", Allowed: true}
	matrix := netpol.Matrix{Kind: "namespace", Endpoints: []string{"a"}}
	writers := map[string][]func(io.Writer, Format) error{
		"audit": {func(w io.Writer, f Format) error { return ReportAs(w, f, report(), TextOptions{}) }},
		"paths": {func(w io.Writer, f Format) error {
			return PathsAs(w, f, PathsResult{Paths: []attackpath.Path{path}, Total: 1}, TextOptions{})
		}},
		// The verdict has no CSV (the command refuses -o csv without
		// --matrix); the matrix has every format.
		"reach": {func(w io.Writer, f Format) error {
			if f == FormatCSV {
				return nil
			}
			return ReachAs(w, f, ReachResult{Verdict: verdict})
		}, func(w io.Writer, f Format) error { return ReachMatrixAs(w, f, matrix) }},
		"who-can": {func(w io.Writer, f Format) error {
			return WhoCanAs(w, f, rbac.Request{Verb: "get"}, nil, TextOptions{})
		}},
		"snapshot": {func(w io.Writer, f Format) error {
			if !SnapshotFormats.Offers(f) {
				return SnapshotFormats.Check(f) // Write has its own wording; the command checks first
			}
			return (&snapshot.Snapshot{}).Write(w, string(f), load.KindOf)
		}},
		"harden": {func(w io.Writer, f Format) error { return HardenAs(w, f, HardenResult{Source: "test"}, TextOptions{}) }},
		"diff":   {func(w io.Writer, f Format) error { return DiffAs(w, f, &baseline.Diff{}, TextOptions{}) }},
		"check": {func(w io.Writer, f Format) error {
			return CheckAs(w, f, admission.ReplayReport{Cluster: "test"}, TextOptions{})
		}},
	}
	for _, fs := range Commands {
		t.Run(fs.Command, func(t *testing.T) {
			ws, ok := writers[fs.Command]
			if !ok {
				t.Fatalf("no writer for %s", fs.Command)
			}
			for i, write := range ws {
				for _, f := range fs.Offered {
					var b bytes.Buffer
					if err := write(&b, f); err != nil {
						t.Errorf("writer %d, -o %s: %v", i, f, err)
					}
				}
				var b bytes.Buffer
				want := fs.Check("xml")
				if err := write(&b, "xml"); err == nil || err.Error() != want.Error() || b.Len() != 0 {
					t.Errorf("writer %d, -o xml: %v, %d bytes; want %q and nothing written", i, err, b.Len(), want)
				}
			}
		})
	}
}

// TestUnwritten: a format declared without its writer's case is an error
// naming the command, never silent empty output.
func TestUnwritten(t *testing.T) {
	fs := Formats{Command: "paths", Offered: []Format{FormatText, "svg"}}
	if err := fs.unwritten("svg"); err == nil || err.Error() != `paths: no writer for --output "svg"` {
		t.Errorf("unwritten(svg) = %v", err)
	}
	if err := fs.unwritten("xml"); err == nil || err.Error() != `--output "xml": want text or svg` {
		t.Errorf("unwritten(xml) = %v", err)
	}
}
