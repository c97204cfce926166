package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// The Pod Security notes name the first namespaces whose pods their level
// refuses and count the rest: a thousand tenants relabelled by harden's
// output must not print a thousand lines.
func TestSummariseInputBoundsPodSecurity(t *testing.T) {
	t.Setenv("COLUMNS", "")
	for _, tc := range []struct {
		namespaces int
		lines      []string
	}{
		{0, nil},
		{inputShown, []string{"of ns-0 would be refused", "of ns-2 would be refused"}},
		{inputShown + 4, []string{"of ns-2 would be refused", "… 4 namespaces more, 8 pods their level refuses (the report's podSecurity lists all)"}},
		{inputShown + 1, []string{"… 1 namespace more, 2 pods their level refuses"}},
	} {
		snap := &snapshot.Snapshot{}
		for i := range tc.namespaces {
			snap.PodSecurity = append(snap.PodSecurity, snapshot.RefusedPods{Namespace: fmt.Sprint("ns-", i), Level: "baseline", Version: "latest",
				Refused: []string{"a", "b"}, Existing: []string{"a", "b"}})
		}
		var b strings.Builder
		SummariseInput(&b, snap)
		out := b.String()
		if n, want := strings.Count(out, "bulkhead: "), min(tc.namespaces, inputShown); n != want {
			t.Errorf("%d namespaces: %d notes, want %d:\n%s", tc.namespaces, n, want, out)
		}
		if more := strings.Contains(out, "  … "); more != (tc.namespaces > inputShown) {
			t.Errorf("%d namespaces: a line counting the rest is %v, want %v:\n%s", tc.namespaces, more, !more, out)
		}
		for _, l := range tc.lines {
			if !strings.Contains(out, l) {
				t.Errorf("%d namespaces: no %q in:\n%s", tc.namespaces, l, out)
			}
		}
		if tc.namespaces > inputShown && strings.Contains(out, fmt.Sprint("of ns-", inputShown, " ")) {
			t.Errorf("%d namespaces: a namespace past the first %d is named:\n%s", tc.namespaces, inputShown, out)
		}
	}
}
