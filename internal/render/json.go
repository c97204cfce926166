package render

import (
	"encoding/json"
	"io"

	"github.com/bulkhead-dev/bulkhead/internal/audit"
)

// JSON writes the report as indented JSON.
func JSON(w io.Writer, r *audit.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
