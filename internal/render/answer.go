package render

import (
	"fmt"
	"io"
)

// Answer writes a yes-or-no verdict as kubectl auth can-i does: "yes" or
// "no" on a line of its own.
func Answer(w io.Writer, allowed bool) error {
	answer := "no"
	if allowed {
		answer = "yes"
	}
	_, err := fmt.Fprintln(w, answer)
	return err
}

// Version writes `bulkhead version`: bulkhead's version, the platform it
// was built for (GOOS/GOARCH) and the Go release that built it.
func Version(w io.Writer, version, platform, goVersion string) error {
	_, err := fmt.Fprintf(w, "bulkhead %s %s %s\n", version, platform, goVersion)
	return err
}
