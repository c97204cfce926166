package harden

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// planner is one layer's generator, its results as a Plan. It reads the
// snapshot and tenancy of the facts, and the facts the engines built of
// them, which every layer shares and none changes.
type planner func(*analysis.Facts, Options) (Plan, error)

// planners are the generators of the layers this build has, by layer.
var planners = map[Layer]planner{
	Network: func(f *analysis.Facts, o Options) (Plan, error) {
		objs, notes, err := networkPlan(f, o)
		return Plan{Objects: objs, Notes: notes}, err
	},
	PodSecurity: func(f *analysis.Facts, o Options) (Plan, error) {
		objs, work, notes := podSecurityPlan(f.Snapshot, f.Tenancy, o, f.Workload())
		return Plan{Objects: objs, Work: work, Notes: notes}, nil
	},
	DNS: func(f *analysis.Facts, o Options) (Plan, error) {
		return Plan{Proposals: DNSPlan(f.Snapshot, f.Tenancy, o)}, nil
	},
	RBAC: func(f *analysis.Facts, o Options) (Plan, error) {
		props, notes := planRBACFrom(f, o)
		return Plan{Proposals: props, Notes: notes}, nil
	},
	Quota: func(f *analysis.Facts, o Options) (Plan, error) {
		objs, props := quotaPlan(f, o)
		return Plan{Objects: objs, Proposals: props}, nil
	},
	Node: func(f *analysis.Facts, o Options) (Plan, error) {
		return Plan{Proposals: nodePlan(f, o)}, nil
	},
}

// ParseLayers reads the layers a user names ("network,pod-security"),
// in any order, into the order harden works through them; none means
// every layer.
func ParseLayers(names []string) ([]Layer, error) {
	want := map[Layer]bool{}
	for _, n := range names {
		l := Layer(strings.TrimSpace(n))
		if !slices.Contains(Layers, l) {
			all := make([]string, len(Layers))
			for i, l := range Layers {
				all[i] = string(l)
			}
			return nil, fmt.Errorf("layer %q: want one of %s", n, strings.Join(all, ", "))
		}
		want[l] = true
	}
	if len(want) == 0 {
		return slices.Clone(Layers), nil
	}
	var out []Layer
	for _, l := range Layers {
		if want[l] {
			out = append(out, l)
		}
	}
	return out, nil
}

// Build runs the generators of opts.Layers (every layer when empty) on a
// normalised snapshot and merges their plans: Objects sorted by namespace
// (cluster-scoped first), layer, kind and name; Proposals by layer and
// title; Work by namespace, object and problem; Notes by layer, each
// starting with its layer's name. Two layers writing the same object
// merge it when it is a Namespace (labels and annotations, as a
// server-side apply would) and are an error otherwise.
func Build(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) (Plan, error) {
	return BuildFrom(analysis.NewFacts(snap, ten), opts)
}

// BuildFrom is Build on the facts of a snapshot, which the generators
// share (the network model, the node engine's result, the RBAC
// authorizer and the findings of each): a caller that proves the plan
// passes the same facts to Prove (ProofOptions.Facts), so that the
// cluster as it is is analysed once.
func BuildFrom(facts *analysis.Facts, opts Options) (Plan, error) {
	layers := opts.Layers
	if len(layers) == 0 {
		layers = Layers
	}
	for _, ns := range opts.AllowPrivileged {
		if facts.Snapshot.Namespace(ns) == nil {
			return Plan{}, fmt.Errorf("--allow-privileged: namespace %q is not in the cluster", ns)
		}
	}
	out := Plan{Layers: layers}
	for _, l := range Layers { // the canonical order, whatever opts says
		if !slices.Contains(layers, l) {
			continue
		}
		gen, ok := planners[l]
		if !ok {
			out.Notes = append(out.Notes, fmt.Sprintf("%s: this build has no generator for the layer; nothing proposed", l))
			continue
		}
		p, err := gen(facts, opts)
		if err != nil {
			return Plan{}, fmt.Errorf("%s: %w", l, err)
		}
		out.Objects = append(out.Objects, p.Objects...)
		out.Proposals = append(out.Proposals, p.Proposals...)
		out.Work = append(out.Work, p.Work...)
		for _, n := range p.Notes {
			if !strings.HasPrefix(n, string(l)+":") {
				n = string(l) + ": " + n
			}
			out.Notes = append(out.Notes, n)
		}
	}
	objs, err := mergeObjects(out.Objects)
	if err != nil {
		return Plan{}, err
	}
	out.Objects = objs
	sortPlan(&out)
	return out, nil
}

// objectKey is an object's identity in the output: kind, namespace, name.
type objectKey struct{ kind, namespace, name string }

func keyOf(obj runtime.Object) objectKey {
	k := objectKey{kind: obj.GetObjectKind().GroupVersionKind().Kind}
	if m, ok := obj.(interface {
		GetNamespace() string
		GetName() string
	}); ok {
		k.namespace, k.name = m.GetNamespace(), m.GetName()
	}
	return k
}

// mergeObjects folds objects of the same identity into one: Namespaces'
// labels and annotations are merged (a later layer wins a key), any other
// kind written twice is an error.
func mergeObjects(objs []Object) ([]Object, error) {
	at := map[objectKey]int{}
	var out []Object
	for _, o := range objs {
		k := keyOf(o.Obj)
		i, dup := at[k]
		if !dup {
			at[k] = len(out)
			out = append(out, o)
			continue
		}
		prev := &out[i]
		a, okA := prev.Obj.(*corev1.Namespace)
		b, okB := o.Obj.(*corev1.Namespace)
		if !okA || !okB {
			return nil, fmt.Errorf("layers %s and %s both write %s %s/%s", prev.Layer, o.Layer, k.kind, k.namespace, k.name)
		}
		merged := a.DeepCopy()
		merged.Labels = mergeMap(merged.Labels, b.Labels)
		merged.Annotations = mergeMap(merged.Annotations, b.Annotations)
		ids := append(slices.Clone(prev.Closes), o.Closes...)
		slices.Sort(ids)
		prev.Closes = slices.Compact(ids)
		if len(prev.Closes) > 0 {
			merged.Annotations = mergeMap(merged.Annotations, map[string]string{ClosesAnnotation: strings.Join(prev.Closes, ",")})
		}
		if o.Why != "" && o.Why != prev.Why {
			prev.Why = strings.TrimSpace(prev.Why + "; " + o.Why)
			merged.Annotations = mergeMap(merged.Annotations, map[string]string{ReasonAnnotation: prev.Why})
		}
		prev.Obj = merged
	}
	return out, nil
}

func mergeMap(into, from map[string]string) map[string]string {
	if len(from) == 0 {
		return into
	}
	if into == nil {
		into = make(map[string]string, len(from))
	}
	maps.Copy(into, from)
	return into
}

// layerIndex orders layers as Layers lists them.
func layerIndex(l Layer) int { return slices.Index(Layers, l) }

func sortPlan(p *Plan) {
	slices.SortStableFunc(p.Objects, func(a, b Object) int {
		ka, kb := keyOf(a.Obj), keyOf(b.Obj)
		return cmp.Or(
			strings.Compare(a.Namespace, b.Namespace),
			cmp.Compare(layerIndex(a.Layer), layerIndex(b.Layer)),
			strings.Compare(ka.kind, kb.kind),
			strings.Compare(ka.name, kb.name),
		)
	})
	slices.SortStableFunc(p.Proposals, func(a, b Proposal) int {
		return cmp.Or(cmp.Compare(layerIndex(a.Layer), layerIndex(b.Layer)), strings.Compare(a.Title, b.Title))
	})
	slices.SortStableFunc(p.Work, func(a, b Work) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Object, b.Object), strings.Compare(a.Problem, b.Problem))
	})
}
