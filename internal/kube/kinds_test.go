package kube

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestLoadListsEveryKind walks snapshot.Kinds: Load asks the server for
// every kind read live at its own path (the CoreDNS ConfigMap by name), and
// a role of deploy/rbac.yaml grants what that needs. A row that
// Load does not read fails here.
func TestLoadListsEveryKind(t *testing.T) {
	rec := &accepts{next: &fakeServer{}, seen: map[string]string{}}
	if _, err := Load(context.Background(), serve(t, rec), "test", Options{}); err != nil {
		t.Fatal(err)
	}
	grants := readerGrants(t)
	for _, k := range snapshot.Kinds {
		t.Run(k.GVK.Kind, func(t *testing.T) {
			if k.Live == snapshot.NotListed {
				return
			}
			path := "/apis/" + k.GVK.Group + "/" + k.GVK.Version + "/" + k.Resource
			if k.GVK.Group == "" {
				path = "/api/" + k.GVK.Version + "/" + k.Resource
			}
			verb := "list"
			if k.Live == snapshot.GetCoreDNS {
				path = "/api/v1/namespaces/kube-system/configmaps/coredns"
				verb = "get"
			}
			if _, ok := rec.seen[path]; !ok {
				t.Errorf("Load did not ask for %s", path)
			}
			if !grants(k.GVK.Group, k.Resource, verb) {
				t.Errorf("deploy/rbac.yaml does not grant %s on %s", verb, k.GapResource())
			}
		})
	}
}

// readerGrants returns whether a role of deploy/rbac.yaml (the reader,
// the CoreDNS Role, the optional secret names) grants a verb on a
// resource.
func readerGrants(t *testing.T) func(group, resource, verb string) bool {
	t.Helper()
	raw, err := os.ReadFile("../../deploy/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rules []rbacv1.PolicyRule
	for _, doc := range strings.Split(string(raw), "\n---") {
		var role rbacv1.Role // a ClusterRole's rules read the same
		if err := yaml.Unmarshal([]byte(doc), &role); err != nil {
			t.Fatal(err)
		}
		if role.Kind == "ClusterRole" || role.Kind == "Role" {
			rules = append(rules, role.Rules...)
		}
	}
	return func(group, resource, verb string) bool {
		for _, r := range rules {
			if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) {
				return true
			}
		}
		return false
	}
}
