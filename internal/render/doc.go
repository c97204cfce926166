// Package render writes audit reports: text for people (grouped by tenant
// pair, fitted to the terminal, colour only on a TTY) and JSON for scripts
// (the versioned schema in docs/report-schema.md).
package render
