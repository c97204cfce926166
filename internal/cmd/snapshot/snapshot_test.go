package snapshot

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

// TestOutputChecks: an unknown format, and compressed output to a
// terminal, are refused before anything is loaded or written; text formats
// go to a terminal as ever.
func TestOutputChecks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		terminal bool
		wantErr  string
	}{
		{name: "unknown format", args: []string{"-o", "xml"}, wantErr: `--output "xml": want yaml, json, yaml.gz or json.gz`},
		{name: "json.gz to a terminal", args: []string{"-o", "json.gz"}, terminal: true, wantErr: "--output json.gz is gzip-compressed binary data, not written to a terminal: redirect it to a file (bulkhead snapshot -o json.gz > cluster.json.gz)"},
		{name: "yaml.gz to a terminal", args: []string{"-o", "yaml.gz"}, terminal: true, wantErr: "--output yaml.gz is gzip-compressed binary data, not written to a terminal: redirect it to a file (bulkhead snapshot -o yaml.gz > cluster.yaml.gz)"},
		{name: "json.gz to a file", args: []string{"-o", "json.gz"}},
		{name: "yaml to a terminal", args: []string{"-o", "yaml"}, terminal: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := newCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, func(any) bool { return tc.terminal })
			cmd.SetArgs(append([]string{"--demo"}, tc.args...))
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if tc.wantErr == "" {
				if err != nil || out.Len() == 0 {
					t.Fatalf("err %v, %d bytes written", err, out.Len())
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if out.Len() != 0 || errOut.Len() != 0 {
				t.Errorf("wrote %d bytes and %q after refusing", out.Len(), errOut.String())
			}
		})
	}
}
