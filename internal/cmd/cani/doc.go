// Package cani is the can-i subcommand: kubectl auth can-i, answered by
// bulkhead's RBAC engine for any subject, offline (-f, --demo) or from a live
// cluster's RBAC objects.
package cani
