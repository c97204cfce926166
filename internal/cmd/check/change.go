package check

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
)

// readChange reads the change's paths as audit --with reads them (a
// directory with a kustomization.yaml is the resources it lists; any
// document skipped is an error) and returns its objects in the order
// kubectl apply would send them: path by path, a directory's files in
// the order of their names, a file's documents from the top. Objects of
// kinds bulkhead does not model are listed ("v1/ConfigMap (2)"): the
// webhook is not sent them.
func readChange(paths []string, namespace string) ([]admission.Change, []string, error) {
	var (
		out     []admission.Change
		unknown = map[string]int{}
	)
	for _, p := range paths {
		files, err := cli.ChangeFiles(p)
		if err != nil {
			return nil, nil, fmt.Errorf("--change: %w", err)
		}
		for _, f := range files {
			cs, err := readPath(f, namespace, unknown)
			if err != nil {
				return nil, nil, fmt.Errorf("--change: %w", err)
			}
			out = append(out, cs...)
		}
	}
	kinds := make([]string, 0, len(unknown))
	for k, n := range unknown {
		kinds = append(kinds, fmt.Sprintf("%s (%d)", k, n))
	}
	sort.Strings(kinds)
	return out, kinds, nil
}

// readPath reads one file or directory of a change, in apply order.
func readPath(path, namespace string, unknown map[string]int) ([]admission.Change, error) {
	l := load.New(path, load.Options{Namespace: namespace})
	if err := l.Path(path); err != nil {
		return nil, err
	}
	snap, stats, err := l.Result()
	if err != nil {
		return nil, err
	}
	if len(snap.Problems) > 0 {
		ps := make([]string, len(snap.Problems))
		for i, p := range snap.Problems {
			ps[i] = p.String()
		}
		return nil, fmt.Errorf("%d document(s) of %s skipped: %s", stats.Skipped, path, strings.Join(ps, "; "))
	}
	if stats.Objects+stats.Unknown == 0 {
		return nil, fmt.Errorf("no Kubernetes objects in %s", path)
	}
	for k, n := range snap.Unknown {
		unknown[k] += n
	}
	objs := snap.Objects()
	out := make([]admission.Change, len(objs))
	for i, o := range objs {
		at, _ := snap.Origins.Of(o.Kind, o.Obj.GetNamespace(), o.Obj.GetName())
		out[i] = admission.Change{Object: o, Origin: at}
	}
	// Objects come by kind; apply order is that of the files, as a walk
	// of the directory reads them, then of the lines. Items of one List
	// share its line and keep the order of kinds.
	slices.SortStableFunc(out, func(a, b admission.Change) int {
		if c := compareWalk(a.Origin.File, b.Origin.File); c != 0 {
			return c
		}
		return a.Origin.Line - b.Origin.Line
	})
	return out, nil
}

// compareWalk orders two paths as a walk of their directories meets
// them: element by element, each directory's entries by name.
func compareWalk(a, b string) int {
	as := strings.Split(filepath.ToSlash(a), "/")
	bs := strings.Split(filepath.ToSlash(b), "/")
	return slices.Compare(as, bs)
}
