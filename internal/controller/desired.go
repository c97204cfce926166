package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

// desired is the baseline of one namespace: the NetworkPolicies it must
// hold, by name, and the Pod Security labels to merge into its labels
// (none when it has them already: harden writes only what changes).
type desired struct {
	Policies []*networkingv1.NetworkPolicy
	// Folds are the names of harden's policies that Policies hold folded
	// into BaselinePolicy: a policy of harden's command line under one of
	// them is replaced by it.
	Folds  []string
	Labels map[string]string
	// Why says what the labels do, for the namespace's event.
	Why string
	// digest identifies the content, so that a plan that did not change
	// a namespace's baseline does not reconcile it again.
	digest string
}

// split files a plan's objects under the namespaces they belong to: its
// NetworkPolicies, and the Pod Security labels of its Namespaces (nothing
// else of the Namespace: the controller does not own namespaces, so it
// writes neither harden's managed-by label nor its annotations there).
// Objects of other kinds, which the kept layers do not write, are left
// out. A namespace's policies that select all its pods are folded into
// one (see fold); taken says which names a policy that is not harden's
// holds in a namespace (nil: none).
func split(plan harden.Plan, taken func(ns, name string) bool) map[string]*desired {
	out := map[string]*desired{}
	at := func(ns string) *desired {
		d := out[ns]
		if d == nil {
			d = &desired{}
			out[ns] = d
		}
		return d
	}
	for _, o := range plan.Objects {
		switch obj := o.Obj.(type) {
		case *networkingv1.NetworkPolicy:
			d := at(obj.Namespace)
			d.Policies = append(d.Policies, obj)
		case *corev1.Namespace:
			labels := podSecurityLabels(obj.Labels)
			if len(labels) == 0 {
				continue
			}
			d := at(obj.Name)
			d.Labels, d.Why = labels, o.Why
		}
	}
	byName := func(a, b *networkingv1.NetworkPolicy) int { return strings.Compare(a.Name, b.Name) }
	for ns, d := range out {
		slices.SortFunc(d.Policies, byName)
		var free func(string) bool
		if taken != nil {
			free = func(name string) bool { return taken(ns, name) }
		}
		d.Policies, d.Folds = fold(ns, d.Policies, free)
		slices.SortFunc(d.Policies, byName)
		d.digest = digestOf(d)
	}
	return out
}

// podSecurityPrefix starts every Pod Security admission label.
const podSecurityPrefix = "pod-security.kubernetes.io/"

// podSecurityLabels keeps the Pod Security labels of a label set.
func podSecurityLabels(labels map[string]string) map[string]string {
	var out map[string]string
	for k, v := range labels {
		if strings.HasPrefix(k, podSecurityPrefix) {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// withoutPodSecurity returns labels without the Pod Security ones, in a
// new map.
func withoutPodSecurity(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		if !strings.HasPrefix(k, podSecurityPrefix) {
			out[k] = v
		}
	}
	return out
}

func digestOf(d *desired) string {
	return digest(struct {
		P []*networkingv1.NetworkPolicy
		L map[string]string
	}{d.Policies, d.Labels})
}

// digest identifies a value by its JSON form.
func digest(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// changed lists the namespaces whose baseline differs between two plans,
// sorted.
func changed(old, now map[string]*desired) []string {
	var out []string
	for ns, d := range now {
		if o, ok := old[ns]; !ok || o.digest != d.digest {
			out = append(out, ns)
		}
	}
	for ns := range old {
		if _, ok := now[ns]; !ok {
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return out
}
