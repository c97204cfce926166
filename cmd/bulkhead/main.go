// Command bulkhead audits, hardens and holds the isolation between tenants
// of a Kubernetes cluster. See `bulkhead --help`.
package main

import (
	"os"

	"github.com/bulkhead-dev/bulkhead/internal/app"
)

func main() { os.Exit(app.Main()) }
