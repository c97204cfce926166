package service

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func ingress(ns, name, class string, hosts ...string) networkingv1.Ingress {
	ing := networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if class != "" {
		ing.Spec.IngressClassName = &class
	}
	for _, h := range hosts {
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{Host: h, IngressRuleValue: networkingv1.IngressRuleValue{
			HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/"}}}}})
	}
	return ing
}

func TestIngressHosts(t *testing.T) {
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{ns("a"), ns("b"), ns("c")},
		Ingresses: []networkingv1.Ingress{
			ingress("a", "shop", "nginx", "shop.example.com", "*.apps.example.com"),
			ingress("b", "steal", "nginx", "shop.example.com"),
			ingress("c", "other-class", "traefik", "shop.example.com"),
			ingress("b", "app", "nginx", "x.apps.example.com"),
			ingress("a", "same-tenant", "nginx", "shop.example.com"),
			ingress("c", "catch-all", "", ""),
			ingress("b", "catch-all", "", ""),
		},
	}
	got := briefs(analyze(t, snap))
	want := []brief{
		{IDIngressHost, "high", "*", "*", "Ingresses of tenants a, b claim shop.example.com in ingress class nginx"},
		{IDIngressHost, "high", "*", "*", "Ingresses of tenants b, c claim every host (rules without host) in the default ingress class"},
		{IDIngressHost, "medium", "*", "*", "Ingresses of tenants a, b claim x.apps.example.com (and *.apps.example.com) in ingress class nginx"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	for w, h := range map[string]string{"*.a.com": "x.a.com", "*.b.com": "b.com"} {
		if hostMatches(w, h) != (h == "x.a.com") {
			t.Errorf("hostMatches(%s, %s)", w, h)
		}
	}
}
