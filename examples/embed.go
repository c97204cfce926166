// Package examples embeds the example clusters shipped with bulkhead, so the
// demo needs no files on disk.
package examples

import "embed"

// SeedCluster holds examples/seed-cluster: the scenarios of the articles
// bulkhead comes from.
//
//go:embed seed-cluster/*.yaml
var SeedCluster embed.FS
