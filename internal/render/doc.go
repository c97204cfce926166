// Package render writes every command's output, in every format it offers:
// the audit report as text for people (grouped by tenant pair, fitted to
// the terminal, colour only on a TTY), JSON for scripts (the versioned
// schema in docs/report-schema.md), SARIF 2.1.0 for code scanning,
// Markdown for pull-request comments and one self-contained HTML page;
// attack paths as text, JSON and Graphviz DOT; reachability verdicts and
// matrices as text, JSON and CSV; who-can and can-i --list tables;
// harden's proof as text and JSON and its objects as YAML; the diff of two
// reports as text and JSON.
//
// Each command declares its formats once, as a Formats value here
// (PathsFormats, ReachFormats, ...): it gives the command's -o/--output
// flag, default and help, and the one check of its value. The command's
// writer here (PathsAs, ReachMatrixAs, ...) switches on the same formats;
// a new format is an entry in the declaration and a case in that writer.
package render
