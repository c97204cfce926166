package render

import (
	"io"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
)

// Grid writes a matrix's grid as the audit's text report draws it (the
// most exposed tenants when there are many), for commands that show
// matrices side by side: harden's before and after.
func Grid(w io.Writer, x *attackpath.Matrix, o TextOptions) error {
	if o.Width <= 0 {
		o.Width = 100
	}
	p := &printer{w: w, o: o}
	p.grid(x)
	return p.err
}
