package cli

import (
	"fmt"
	"io"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// inputShown is how many skipped documents and warnings the stderr summary
// names before it counts the rest.
const inputShown = 3

// SummariseInput writes to w, for every command and output format alike,
// what of the input was not analysed as written: skipped documents, input
// warnings, and pods their namespace's Pod Security level refuses. Nothing
// is written when all was read as given. The JSON report and the text
// report's summary carry the full lists.
func SummariseInput(w io.Writer, snap *snapshot.Snapshot) {
	list := func(one, many string, ps []snapshot.Problem) {
		if len(ps) == 0 {
			return
		}
		Notef(w, "%s", counted(len(ps), one, many))
		for i, p := range ps {
			if i == inputShown {
				fmt.Fprintf(w, "  … %d more (the report's skippedInput and inputWarnings list all)\n", len(ps)-inputShown)
				break
			}
			itemf(w, "%s", p)
		}
	}
	list("input document skipped", "input documents skipped", snap.Problems)
	list("input warning", "input warnings", snap.Warnings)
	for i, r := range snap.PodSecurity {
		if i == inputShown {
			pods := 0
			for _, r := range snap.PodSecurity[i:] {
				pods += len(r.Refused)
			}
			fmt.Fprintf(w, "  … %s more, %s (the report's podSecurity lists all)\n",
				counted(len(snap.PodSecurity)-i, "namespace", "namespaces"), counted(pods, "pod its level refuses", "pods their level refuses"))
			break
		}
		switch n := len(r.Existing); {
		case n == len(r.Refused):
			Notef(w, "%s: kept in the analysis", r)
		case n > 0:
			Notef(w, "%s: the others are left out of the analysis", r)
		default:
			Notef(w, "%s: left out of the analysis", r)
		}
	}
}

// counted writes "1 document" or "3 documents".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
