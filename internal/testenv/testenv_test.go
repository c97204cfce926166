package testenv

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestStart checks the harness itself: the API server answers, and the
// aggregated bootstrap roles have rules, which only the controller manager
// provides.
func TestStart(t *testing.T) {
	cfg := Start(t)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.Minor != "32" {
		t.Errorf("server version %s, want 1.32", v.GitVersion)
	}
	for _, name := range []string{"admin", "edit", "view"} {
		cr, err := cs.RbacV1().ClusterRoles().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(cr.Rules) == 0 {
			t.Errorf("ClusterRole %s has no rules: aggregation did not run", name)
		}
	}
}
