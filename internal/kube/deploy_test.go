package kube

import (
	"os"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestDeployRoleListsWhatLoadReads checks that bulkhead's shipped
// read-only role grants list on every essential resource and every
// connectivity kind, so that a cluster with Cilium or Multus does not turn
// into a coverage gap for the role bulkhead tells users to grant. (The
// real-apiserver test TestLiveLeastPrivilege checks the rest by loading as
// that role.)
func TestDeployRoleListsWhatLoadReads(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var reader *rbacv1.ClusterRole
	for _, doc := range strings.Split(string(raw), "\n---") {
		var cr rbacv1.ClusterRole
		if err := yaml.Unmarshal([]byte(doc), &cr); err != nil {
			t.Fatal(err)
		}
		if cr.Kind == "ClusterRole" && cr.Name == "bulkhead-reader" {
			reader = &cr
		}
	}
	if reader == nil {
		t.Fatal("deploy/rbac.yaml has no ClusterRole bulkhead-reader")
	}
	grants := func(group, resource string) bool {
		for _, r := range reader.Rules {
			if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, "list") {
				return true
			}
		}
		return false
	}
	for _, e := range essential {
		resource, group, _ := strings.Cut(e.resource, ".")
		t.Run(e.resource, func(t *testing.T) {
			if !grants(group, resource) {
				t.Errorf("bulkhead-reader does not grant list on %s", e.resource)
			}
		})
	}
	for _, k := range snapshot.ConnectivityKinds {
		t.Run(k.GapResource(), func(t *testing.T) {
			if !grants(k.Group, k.Resource) {
				t.Errorf("bulkhead-reader does not grant list on %s", k.GapResource())
			}
		})
	}
}
