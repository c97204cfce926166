package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// applyWith applies the --with manifests to snap, which it takes, one
// after the other as successive `kubectl apply --server-side` would (a
// later one replaces what an earlier one applied), and returns the
// normalised result.
func (s *Source) applyWith(streams IOStreams, snap *snapshot.Snapshot) (*snapshot.Snapshot, error) {
	st := snapshot.NewStore(snap)
	type file struct {
		name string
		objs []snapshot.Object
	}
	var files []file
	relabels := false
	unmodelled := map[string]int{}
	for _, f := range s.With {
		objs, unknown, err := s.readWith(f)
		if err != nil {
			return nil, err
		}
		if len(unknown) > 0 {
			var kinds []string
			for _, k := range slices.Sorted(maps.Keys(unknown)) {
				kinds = append(kinds, fmt.Sprintf("%s (%d)", k, unknown[k]))
				unmodelled[k] += unknown[k]
			}
			Notef(streams.ErrOut, "--with: %s: objects of kinds bulkhead does not model are not part of the analysis: %s", f, strings.Join(kinds, ", "))
		}
		files = append(files, file{f, objs})
		for _, o := range objs {
			if _, ok := o.Obj.(*corev1.Namespace); ok {
				relabels = true
			}
		}
	}
	// Pods that exist before the change still run after it: relabelling
	// their namespace for Pod Security evicts nothing.
	var before *snapshot.Snapshot
	if relabels {
		before = st.View()
	}
	relabelled := map[string]bool{}
	applied, replaced := 0, 0
	for _, f := range files {
		for _, o := range f.objs {
			key, r, err := st.ServerSideApply(o.Obj)
			if err != nil {
				return nil, fmt.Errorf("--with %s: %s %s: %w", f.name, o.Kind, o.Obj.GetName(), err)
			}
			applied++
			if r {
				replaced++
				if _, ok := o.Obj.(*corev1.Namespace); ok {
					relabelled[key.Name] = true
				}
			}
		}
	}
	if len(relabelled) > 0 {
		if _, err := st.KeepRunning(before, relabelled); err != nil {
			return nil, fmt.Errorf("--with: %w", err)
		}
	}
	view := st.View()
	view.Source += " with " + strings.Join(s.With, ", ")
	// The change's kinds bulkhead does not model count as the cluster's
	// would: a CiliumNetworkPolicy makes the network analysis incomplete.
	if len(unmodelled) > 0 {
		u := maps.Clone(view.Unknown)
		if u == nil {
			u = map[string]int{}
		}
		for k, n := range unmodelled {
			u[k] += n
		}
		view.Unknown = u
		view.Gaps = slices.Clone(view.Gaps) // the view's own, not the store's
		view.NoteConnectivity()
	}
	Notef(streams.ErrOut, "--with: applied %s from %s (%d replacing existing ones, %d new)",
		counted(applied, "object", "objects"), strings.Join(s.With, ", "), replaced, applied-replaced)
	return view, nil
}

// readWith reads one --with manifest, and counts the objects of the kinds
// bulkhead does not model, by kind ("v1/ResourceQuota": 4). A reviewed change
// must be read whole: any document skipped is an error, and so is a
// manifest of nothing bulkhead analyses, but for a kustomization that
// lists no resources (a change of nothing) and quotas alone (harden's
// quota layer), which change no verdict; objects of kinds bulkhead does
// not model are listed, not analysed.
func (s *Source) readWith(file string) ([]snapshot.Object, map[string]int, error) {
	l := load.New(file, load.Options{Namespace: s.Namespace})
	paths, err := kustomizationResources(file)
	if err != nil {
		return nil, nil, fmt.Errorf("--with: %w", err)
	}
	for _, p := range paths {
		if err := l.Path(p); err != nil {
			return nil, nil, fmt.Errorf("--with: %w", err)
		}
	}
	with, stats, err := l.Result()
	if err != nil {
		return nil, nil, fmt.Errorf("--with: %w", err)
	}
	switch {
	case len(with.Problems) > 0:
		return nil, nil, fmt.Errorf("--with: %s of %s skipped: %s", counted(stats.Skipped, "document", "documents"), file, summarise(with.Problems))
	case len(paths) == 0:
		return nil, nil, nil
	case stats.Objects == 0 && !changesVerdict(with.Unknown):
		return nil, nil, fmt.Errorf("--with: %w", noObjects([]string{file}, with, stats))
	}
	return with.Objects(), with.Unknown, nil
}

// kustomizationResources returns what applying path means: for a
// directory with a kustomization.yaml, the resources it lists, as
// `kubectl apply -k` applies them (harden's output keeps its proposals for
// review beside them, outside the list); for anything else, path itself.
func kustomizationResources(path string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(path, "kustomization.yaml"))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return []string{path}, nil
	}
	if err != nil {
		return nil, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(path, "kustomization.yaml"), err)
	}
	if len(k.Resources) == 0 {
		return nil, nil // a change of nothing, as kubectl apply -k applies it (harden's output of a layer with no safe object)
	}
	out := make([]string, len(k.Resources))
	for i, r := range k.Resources {
		if filepath.IsAbs(r) || strings.Contains(r, "://") {
			return nil, fmt.Errorf("%s: resource %q: only files beside it are read", filepath.Join(path, "kustomization.yaml"), r)
		}
		out[i] = filepath.Join(path, r)
	}
	return out, nil
}

// changesVerdict reports whether a change of objects bulkhead does not
// model still tells the analysis something: a connectivity kind (a
// CiliumNetworkPolicy makes the network analysis incomplete), or quotas
// and limit ranges (harden's quota layer, which change no verdict). A
// change of anything else alone is no change the analysis can see.
func changesVerdict(unknown map[string]int) bool {
	for k := range unknown {
		if snapshot.IsConnectivity(k) || k == "v1/ResourceQuota" || k == "v1/LimitRange" {
			return true
		}
	}
	return false
}
