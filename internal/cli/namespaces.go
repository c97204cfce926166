package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// namespacesShown is how many namespaces without an object one warning
// names.
const namespacesShown = 10

// warnMissingNamespaces adds one input warning for the namespaces that
// objects of offline input live in but that have no Namespace object: their
// labels (the Pod Security enforce level, a tenant label) are unknown, so
// the node analysis cannot say what the API server admits there.
func warnMissingNamespaces(snap *snapshot.Snapshot) {
	have := map[string]bool{}
	for i := range snap.Namespaces {
		have[snap.Namespaces[i].Name] = true
	}
	var missing []string
	for _, ns := range snap.ReferencedNamespaces() {
		if !have[ns] && !isDefaultSystem(ns) {
			missing = append(missing, ns)
		}
	}
	if len(missing) == 0 {
		return
	}
	names := missing
	if len(names) > namespacesShown {
		names = append(names[:namespacesShown:namespacesShown], fmt.Sprintf("and %d more", len(missing)-namespacesShown))
	}
	what, verb, their := "namespace", "has", "its"
	if len(missing) > 1 {
		what, verb, their = "namespaces", "have", "their"
	}
	snap.Warnings = append(snap.Warnings, snapshot.Problem{
		Where: what + " " + strings.Join(names, ", "),
		Message: verb + " no Namespace object in the input: " + their + " labels are unknown, so what Pod Security admits there " +
			"(BH-NODE-004) and --tenant-label grouping cannot be judged; add the Namespace objects (kubectl get ns -o yaml)",
	})
}

// isDefaultSystem reports whether a namespace is one every cluster has and
// no manifest set carries.
func isDefaultSystem(ns string) bool {
	return ns == "default" || slices.Contains(tenancy.DefaultSystemNamespaces, ns)
}
