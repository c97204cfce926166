package serve

import (
	"context"
	"fmt"
	"testing"

	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/harden"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// TestServeWithController runs `bulkhead serve --controller` against a
// real API server: the replica takes the leader lease in its namespace
// and the controller writes each tenant namespace's baseline (a
// NetworkPolicy and the Pod Security labels), while the webhook serves.
func TestServeWithController(t *testing.T) {
	cfg := testenv.Start(t)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, ns := range []*corev1.Namespace{namespace("team-a", "a"), namespace("team-b", "b"), {ObjectMeta: metav1.ObjectMeta{Name: "bulkhead-system"}}} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.CoreV1().Pods("team-a").Create(ctx, plainPod("team-a", "web"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, Options{
		Host: "127.0.0.1", Port: freePort(t), Hosts: []string{"127.0.0.1"},
		Tenancy:    tenancy.Config{Label: tenantLabel},
		Config:     admission.Config{},
		Log:        testr.NewWithOptions(t, testr.Options{Verbosity: 1}),
		Controller: true,
		Namespace:  "bulkhead-system",
	})
	if err != nil {
		t.Fatal(err)
	}
	runServer(t, s)
	selector := harden.ManagedByLabel + "=" + harden.ManagedBy
	eventually(t, "the controller writes the baseline", func() error {
		for _, ns := range []string{"team-a", "team-b"} {
			nps, err := cs.NetworkingV1().NetworkPolicies(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
			if err != nil {
				return err
			}
			if len(nps.Items) == 0 {
				return fmt.Errorf("no NetworkPolicy of bulkhead in %s", ns)
			}
			n, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if n.Labels["pod-security.kubernetes.io/enforce"] == "" {
				return fmt.Errorf("namespace %s has no Pod Security enforce label: %v", ns, n.Labels)
			}
		}
		return nil
	})
	if _, err := cs.CoordinationV1().Leases("bulkhead-system").Get(ctx, "bulkhead-controller", metav1.GetOptions{}); err != nil {
		t.Errorf("no leader lease: %v", err)
	}
}
