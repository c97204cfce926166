// Package analysis runs bulkhead's pipeline on a loaded snapshot: every
// isolation engine over the same snapshot and tenancy, joined into one
// Report that always says which analyses ran, which did not and why, and
// what input was skipped. The commands that analyse (audit, paths) share
// it.
package analysis
