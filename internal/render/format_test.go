package render

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestFormats: every command's declared formats are accepted, an unknown
// one is refused in the one wording, and the flag's default and help come
// from the declaration.
func TestFormats(t *testing.T) {
	wantErr := map[string]string{
		"audit":    `--output "xml": want text or json`,
		"paths":    `--output "xml": want text, json or dot`,
		"reach":    `--output "xml": want text, json or csv`,
		"who-can":  `--output "xml": want text or json`,
		"snapshot": `--output "xml": want yaml, json, yaml.gz or json.gz`,
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
