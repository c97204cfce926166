package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Format is an output format, as -o/--output names it.
type Format string

// The output formats of bulkhead's commands.
const (
	FormatText Format = "text"
	FormatJSON Format = "json"
	FormatCSV  Format = "csv"
	FormatDOT  Format = "dot"
	FormatYAML Format = "yaml"
	// FormatHTML is one self-contained page (no fetches), for people.
	FormatHTML Format = "html"
	// FormatSARIF is a SARIF 2.1.0 log, for code-scanning services.
	FormatSARIF Format = "sarif"
	// FormatMarkdown is a bounded summary, for pull-request comments.
	FormatMarkdown Format = "markdown"
)

// Formats declares the output formats one command offers. The command's
// -o/--output flag, its default, its help and the check of its value all
// come from this declaration; the command's writer in render switches on
// the same formats, and a test holds the two together.
type Formats struct {
	// Command is the command that offers them, as a user types it.
	Command string
	// Offered are the formats in the order help and errors list them;
	// the first is the default.
	Offered []Format
	// Note is said in the flag's help after the list, in parentheses.
	Note string
}

// Every command's output formats. A new format of a command is a new entry
// in its Offered and a case in its writer beside it.
var (
	AuditFormats = Formats{Command: "audit", Offered: []Format{FormatText, FormatJSON, FormatHTML, FormatSARIF, FormatMarkdown}}
	PathsFormats = Formats{Command: "paths", Offered: []Format{FormatText, FormatJSON, FormatDOT}}
	ReachFormats = Formats{Command: "reach", Offered: []Format{FormatText, FormatJSON, FormatCSV},
		Note: "csv with --matrix only"}
	WhoCanFormats = Formats{Command: "who-can", Offered: []Format{FormatText, FormatJSON}}
	// HardenFormats: text and json are the proof, yaml the safe objects.
	HardenFormats = Formats{Command: "harden", Offered: []Format{FormatText, FormatYAML, FormatJSON},
		Note: "text and json: the proof; yaml: the safe objects, to apply"}
	// CheckFormats are those of bulkhead check (CheckAs).
	CheckFormats = Formats{Command: "check", Offered: []Format{FormatText, FormatJSON}}
	// DiffFormats are those of bulkhead diff (DiffAs).
	DiffFormats = Formats{Command: "diff", Offered: []Format{FormatText, FormatJSON}}
	// SnapshotFormats are those snapshot.Write writes.
	SnapshotFormats = Formats{Command: "snapshot", Offered: formatsOf(snapshot.Formats),
		Note: "json.gz for big clusters: compact JSON, gzip-compressed, read back with -f; yaml.gz is yaml compressed"}
)

// Commands are the output formats of every command that has -o.
var Commands = []*Formats{&AuditFormats, &PathsFormats, &ReachFormats, &WhoCanFormats, &SnapshotFormats, &HardenFormats, &DiffFormats, &CheckFormats}

// Default is the format written when -o is not given.
func (fs *Formats) Default() Format { return fs.Offered[0] }

// AddFlag registers -o/--output on flags, writing the chosen format to p.
// The value is checked by Check when the command runs, so that a bad one
// is reported in the same words as every other bad argument.
func (fs *Formats) AddFlag(flags *pflag.FlagSet, p *Format) {
	flags.StringVarP((*string)(p), "output", "o", string(fs.Default()), fs.Help())
}

// Help is the help text of the -o flag.
func (fs *Formats) Help() string {
	h := "output format: " + fs.list()
	if fs.Note != "" {
		h += " (" + fs.Note + ")"
	}
	return h
}

// Check reports whether f is one of the offered formats, with the one
// wording every command uses: --output "x": want text, json or dot.
func (fs *Formats) Check(f Format) error {
	if fs.Offers(f) {
		return nil
	}
	return fmt.Errorf("--output %q: want %s", string(f), fs.list())
}

// Offers reports whether f is one of the offered formats.
func (fs *Formats) Offers(f Format) bool {
	return slices.Contains(fs.Offered, f)
}

// unwritten is the error of a command's writer given a format it has no
// case for: an unknown one, or one declared without its writer.
func (fs *Formats) unwritten(f Format) error {
	if err := fs.Check(f); err != nil {
		return err
	}
	return fmt.Errorf("%s: no writer for --output %q", fs.Command, string(f))
}

func formatsOf(names []string) []Format {
	out := make([]Format, len(names))
	for i, n := range names {
		out[i] = Format(n)
	}
	return out
}

// list says the offered formats as a sentence does: "a, b or c".
func (fs *Formats) list() string {
	names := make([]string, len(fs.Offered))
	for i, f := range fs.Offered {
		names[i] = string(f)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
