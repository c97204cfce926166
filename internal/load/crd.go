package load

import (
	"encoding/json"
	"slices"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// crdKind is the CustomResourceDefinition of apiextensions.k8s.io/v1 (its
// v1beta1 was removed in Kubernetes 1.22).
var crdKind = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// crd holds what a CustomResourceDefinition says of the resource it
// serves.
type crd struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Plural     string   `json:"plural"`
			Singular   string   `json:"singular"`
			Kind       string   `json:"kind"`
			ShortNames []string `json:"shortNames"`
		} `json:"names"`
		Scope    string `json:"scope"`
		Versions []struct {
			Name    string `json:"name"`
			Served  bool   `json:"served"`
			Storage bool   `json:"storage"`
		} `json:"versions"`
	} `json:"spec"`
}

// customResource records the resource type a CustomResourceDefinition
// serves, so that can-i and who-can resolve its names and scope. A
// definition the API server would refuse is a Problem.
func (b *batch) customResource(where string, js []byte) {
	var d crd
	if err := json.Unmarshal(js, &d); err != nil {
		b.problem(where, "CustomResourceDefinition %s: %v", objectName(js), err)
		return
	}
	s, n := d.Spec, d.Spec.Names
	switch {
	case s.Group == "" || n.Plural == "" || n.Kind == "":
		b.problem(where, "CustomResourceDefinition %s refused by the API server: spec.group, spec.names.plural and spec.names.kind are required", objectName(js))
		return
	case s.Scope != "Namespaced" && s.Scope != "Cluster":
		b.problem(where, "CustomResourceDefinition %s refused by the API server: spec.scope: Unsupported value: %q: supported values: \"Cluster\", \"Namespaced\"", objectName(js), s.Scope)
		return
	}
	if errs := apimachineryvalidation.NameIsDNSSubdomain(s.Group, false); len(errs) > 0 {
		b.problem(where, "CustomResourceDefinition %s refused by the API server: spec.group: %s", objectName(js), errs[0])
		return
	}
	cr := snapshot.CustomResource{Group: s.Group, Resource: n.Plural, Singular: n.Singular, Kind: n.Kind,
		ShortNames: slices.Clone(n.ShortNames), Namespaced: s.Scope == "Namespaced"}
	for _, v := range s.Versions {
		if !v.Served {
			continue
		}
		if v.Storage {
			cr.Versions = append([]string{v.Name}, cr.Versions...)
		} else {
			cr.Versions = append(cr.Versions, v.Name)
		}
	}
	b.ops = append(b.ops, op{cr: &cr})
}
