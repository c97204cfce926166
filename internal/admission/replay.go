package admission

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Verdict is what the webhook answers for one object.
type Verdict string

const (
	Allowed Verdict = "allowed"
	// Warned is admitted with admission warnings (rules in warn mode, or
	// what a dry run would have denied).
	Warned Verdict = "warned"
	Denied Verdict = "denied"
)

// Result is the webhook's answer for one object of the change.
type Result struct {
	Verdict   Verdict   `json:"verdict"`
	Operation Operation `json:"operation"`
	Kind      string    `json:"kind"`
	Namespace string    `json:"namespace,omitempty"`
	Name      string    `json:"name"`
	// Origin is where the change holds the object.
	Origin string `json:"origin,omitempty"`
	// Judged is false for the kinds the webhook admits unjudged.
	Judged bool `json:"judged"`
	// Message is the denial, one line per enforced rule broken; Warnings
	// are the admission warnings kubectl would print; Audit the
	// violations of rules in audit mode, as the webhook annotates them.
	Message  string   `json:"message,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Audit    []string `json:"audit,omitempty"`
}

// Object names the object as the webhook's messages do: "Pod team-a/web".
func (r Result) Object() string { return ObjectName(r.Kind, r.Namespace, r.Name) }

// ObjectName names an object as the webhook's messages do: "Pod
// team-a/web", "ClusterRoleBinding view-all".
func ObjectName(kind, namespace, name string) string {
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}

// Change is one object of a change, where it was read.
type Change struct {
	Object snapshot.Object
	Origin snapshot.Origin
}

// Options are how the webhook is set up and who sends the change.
type ReplayOptions struct {
	Tenancy tenancy.Config
	Config  Config
	User    User
}

// Judge sends the change to the webhook object by object, in order, over
// the cluster in st, which it changes: each object is the request kubectl
// apply would make (CREATE, or UPDATE with the stored object as the old
// one when one of its identity is stored; a Namespace's labels and
// annotations merged into the stored ones, as server-side apply merges
// them), and an admitted object is stored before the next is judged, as
// the API server would store it and the webhook's informers deliver it. A
// denied object is not stored.
func Replay(st *snapshot.Store, change []Change, o ReplayOptions) ([]Result, error) {
	var (
		adm *Admission
		err error
		out = make([]Result, 0, len(change))
	)
	for _, c := range change {
		if adm == nil {
			// Viewed before the clone, which derives its own view from it.
			if adm, err = New(st.View(), o.Tenancy, o.Config); err != nil {
				return nil, err
			}
		}
		next := st.Clone()
		key, replaced, err2 := next.ServerSideApply(c.Object.Obj)
		if err2 != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", c.Origin.File, c.Object.Kind, c.Object.Obj.GetName(), err2)
		}
		obj, _ := next.Get(key)
		var old runtime.Object
		if replaced {
			old, _ = st.Get(key)
		}
		req := NewRequest(KindNamed(c.Object.Kind), key, obj, old, o.User)
		r := replayResult(req, adm.Decide(req), c.Origin)
		out = append(out, r)
		if r.Verdict != Denied {
			st, adm = next, nil
		}
	}
	return out, nil
}

// Request is the admission request the API server makes when obj, of
// identity key, is applied over old (nil when there is none), with the
// object as it would store it.
func NewRequest(gvk schema.GroupVersionKind, key snapshot.Key, obj, old runtime.Object, user User) Request {
	op := Create
	if old != nil {
		op = Update
	}
	ns := key.Namespace
	if _, ok := obj.(*corev1.Namespace); ok {
		ns = key.Name // the API server's request namespace of a Namespace is its name
	}
	return Request{Operation: op, Kind: gvk, Namespace: ns, Name: key.Name, Object: obj, OldObject: old, User: user}
}

// result is the answer to req as the webhook sends it back.
func replayResult(req Request, d Decision, origin snapshot.Origin) Result {
	r := Result{
		Operation: req.Operation, Kind: req.Kind.Kind, Name: req.Name,
		Judged: Judged(req.Kind), Message: d.Message, Warnings: d.Warnings,
	}
	if _, ok := req.Object.(*corev1.Namespace); !ok {
		r.Namespace = req.Namespace
	}
	if origin.File != "" {
		r.Origin = fmt.Sprintf("%s:%d", origin.File, origin.Line)
	}
	// The webhook annotates the request once per rule (the last
	// violation of a rule in audit mode wins).
	at := map[string]int{}
	for _, v := range d.Violations {
		if v.Mode != Audit {
			continue
		}
		if i, ok := at[v.Rule]; ok {
			r.Audit[i] = v.Message()
			continue
		}
		at[v.Rule] = len(r.Audit)
		r.Audit = append(r.Audit, v.Message())
	}
	sort.Strings(r.Audit) // by rule: the webhook's annotations are a map
	r.Verdict = VerdictOf(d.Allowed, len(d.Warnings) > 0)
	return r
}

// VerdictOf is the verdict of an answer: denied unless allowed, warned
// when allowed with warnings.
func VerdictOf(allowed, warned bool) Verdict {
	switch {
	case !allowed:
		return Denied
	case warned:
		return Warned
	}
	return Allowed
}

// KindNamed returns the group, version and kind of a kind the snapshot
// models, by its name.
func KindNamed(kind string) schema.GroupVersionKind {
	for _, k := range snapshot.Kinds {
		if k.GVK.Kind == kind {
			return k.GVK
		}
	}
	return schema.GroupVersionKind{Kind: kind}
}

// ReplayReport is what replaying a change answers.
type ReplayReport struct {
	// Cluster is the snapshot's source the change was judged over.
	Cluster string `json:"cluster"`
	// DryRun is the webhook configuration's: nothing is denied.
	DryRun  bool     `json:"dryRun,omitempty"`
	Denied  int      `json:"denied"`
	Warned  int      `json:"warned"`
	Allowed int      `json:"allowed"`
	Objects []Result `json:"objects"`
}

// NewReplayReport counts the verdicts of results.
func NewReplayReport(cluster string, dryRun bool, results []Result) ReplayReport {
	r := ReplayReport{Cluster: cluster, DryRun: dryRun, Objects: results}
	for _, res := range results {
		switch res.Verdict {
		case Denied:
			r.Denied++
		case Warned:
			r.Warned++
		default:
			r.Allowed++
		}
	}
	return r
}
