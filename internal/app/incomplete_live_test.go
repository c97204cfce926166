package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// TestLiveRefusals runs the CLI against a real API server that cannot give
// what the analysis needs: a wrong server URL (404 for everything), no
// credentials, and users whose RBAC refuses pods or RoleBindings. Each is
// an error (exit 1) that says what failed and why, unless --allow-incomplete
// is given: then the audit runs and reports the analyses that depend on the
// refused lists as incomplete (exit 5), and can-i still refuses to answer
// without the RBAC data.
func TestLiveRefusals(t *testing.T) {
	cfg := testenv.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// bob may list everything bulkhead reads but pods; carol everything but
	// RoleBindings.
	grant(t, ctx, cs, "bob", "pods")
	grant(t, ctx, cs, "carol", "rolebindings")

	t.Run("wrong server URL", func(t *testing.T) {
		kc := kubeconfig(t, cfg, func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) { c.Server = cfg.Host + "/not-kubernetes" })
		for _, extra := range [][]string{nil, {"--allow-incomplete"}} {
			_, stderr, code := run(t, append([]string{"audit", "--kubeconfig", kc}, extra...)...)
			want := "bulkhead: the server at " + cfg.Host + "/not-kubernetes answered 404 Not Found for /api/v1/namespaces: is this a Kubernetes API server?"
			if code != cli.ExitFailure || !strings.HasPrefix(stderr, want) {
				t.Errorf("%v: exit %d, stderr %q; want exit 1 and %q", extra, code, stderr, want)
			}
		}
	})

	t.Run("no credentials", func(t *testing.T) {
		kc := kubeconfig(t, cfg, func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { *u = clientcmdapi.AuthInfo{} })
		_, stderr, code := run(t, "audit", "--kubeconfig", kc)
		// kube-apiserver judges a request without credentials as
		// system:anonymous, which may list nothing.
		for _, want := range []string{
			"bulkhead: the server at " + cfg.Host + " refused what the analysis needs:\n",
			"\n  forbidden: cannot list namespaces cluster-wide (User \"system:anonymous\" cannot list resource \"namespaces\"",
			"\n  forbidden: cannot list pods cluster-wide (",
			"\n  forbidden: cannot list clusterrolebindings cluster-wide (",
			"\nthe kubeconfig gives no credentials, so the server judged the requests as system:anonymous: give it a user bound to bulkhead's role from deploy/rbac.yaml, or pass --allow-incomplete",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		if code != cli.ExitFailure {
			t.Errorf("exit %d, want 1", code)
		}
	})

	t.Run("pods forbidden", func(t *testing.T) {
		kc := kubeconfig(t, cfg, func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { u.Impersonate = "bob" })
		_, stderr, code := run(t, "audit", "--kubeconfig", kc)
		want := "bulkhead: the server at " + cfg.Host + " refused what the analysis needs: forbidden: cannot list pods cluster-wide (User \"bob\" cannot list resource \"pods\" in API group \"\" at the cluster scope): grant bulkhead's role from deploy/rbac.yaml or pass --allow-incomplete"
		if code != cli.ExitFailure || !strings.HasPrefix(stderr, want) {
			t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, stderr, want)
		}

		out, stderr, code := run(t, "audit", "--kubeconfig", kc, "--allow-incomplete", "-o", "json", "--fail-on", "none")
		if code != cli.ExitIncomplete {
			t.Fatalf("--allow-incomplete: exit %d, want %d; stderr %s", code, cli.ExitIncomplete, stderr)
		}
		var r analysis.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		status := map[string]string{}
		for _, a := range r.Analyses {
			status[a.Name] = a.Status + " " + strings.Join(a.Notes, "; ")
		}
		for name, want := range map[string]string{
			"api":     "ran ",
			"network": "incomplete pods forbidden",
			"dns":     "incomplete configmaps/kube-system/coredns forbidden; pods forbidden",
			"node":    "incomplete pods forbidden",
		} {
			if status[name] != want {
				t.Errorf("analysis %s: %q, want %q", name, status[name], want)
			}
		}

		// RBAC data is complete for bob, so can-i answers.
		if _, stderr, code := run(t, "can-i", "list", "pods", "-A", "--as", "bob", "--kubeconfig", kc, "--allow-incomplete"); code != cli.ExitNo {
			t.Errorf("can-i with complete RBAC data: exit %d, want %d (no); stderr %s", code, cli.ExitNo, stderr)
		}
	})

	t.Run("rolebindings forbidden", func(t *testing.T) {
		kc := kubeconfig(t, cfg, func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { u.Impersonate = "carol" })
		for _, args := range [][]string{
			{"can-i", "list", "pods", "-n", "default", "--as", "alice"},
			{"who-can", "list", "pods", "-n", "default"},
		} {
			_, stderr, code := run(t, append(args, "--kubeconfig", kc)...)
			want := "forbidden: cannot list rolebindings cluster-wide (User \"carol\" cannot list resource \"rolebindings\" in API group \"rbac.authorization.k8s.io\" at the cluster scope)"
			if code != cli.ExitFailure || !strings.Contains(stderr, want) {
				t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", args[0], code, stderr, want)
			}
			out, stderr, code := run(t, append(args, "--kubeconfig", kc, "--allow-incomplete")...)
			want = "bulkhead: cannot answer: RBAC data incomplete (rolebindings.rbac.authorization.k8s.io forbidden)"
			if code != cli.ExitFailure || !strings.HasPrefix(stderr, want) || out != "" {
				t.Errorf("%s --allow-incomplete: exit %d, stdout %q, stderr %q; want exit 1, no answer and %q", args[0], code, out, stderr, want)
			}
		}
	})

	t.Run("CNI policies present", func(t *testing.T) {
		createCiliumPolicies(t, ctx, cfg, 2)
		kc := testenv.Kubeconfig(t, cfg)
		out, stderr, code := run(t, "audit", "--kubeconfig", kc, "-o", "json", "--fail-on", "none")
		if code != cli.ExitIncomplete {
			t.Fatalf("exit %d, want %d; stderr %s", code, cli.ExitIncomplete, stderr)
		}
		var r analysis.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		for _, a := range r.Analyses {
			if a.Name != "network" {
				continue
			}
			want := "ciliumnetworkpolicies.cilium.io present (2 CiliumNetworkPolicy objects), not modelled: Cilium policy, enforced by the CNI together with NetworkPolicy"
			if a.Status != analysis.Incomplete || strings.Join(a.Notes, "; ") != want {
				t.Errorf("network analysis %s %q, want incomplete %q", a.Status, a.Notes, want)
			}
		}
	})
}

// TestOfflineCNIPoliciesMakeNetworkIncomplete checks the offline side of
// the connectivity kinds: manifests holding Cilium policies and a Multus
// network give an audit whose network analysis is incomplete, naming them.
func TestOfflineCNIPoliciesMakeNetworkIncomplete(t *testing.T) {
	const manifests = `apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: allow-all
  namespace: team-a
spec:
  endpointSelector: {}
  ingress:
  - fromEntities: [all]
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: macvlan
  namespace: team-a
spec:
  config: '{}'
`
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, []byte(manifests), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, "audit", "-f", path, "-o", "json", "--fail-on", "none")
	if code != cli.ExitIncomplete {
		t.Fatalf("exit %d, want %d; stderr %s", code, cli.ExitIncomplete, stderr)
	}
	var r analysis.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, a := range r.Analyses {
		want := analysis.Ran
		if a.Name == "network" {
			want = analysis.Incomplete
			notes := strings.Join(a.Notes, "\n")
			for _, n := range []string{
				"ciliumnetworkpolicies.cilium.io present (1 CiliumNetworkPolicy object), not modelled",
				"network-attachment-definitions.k8s.cni.cncf.io present (1 NetworkAttachmentDefinition object), not modelled",
			} {
				if !strings.Contains(notes, n) {
					t.Errorf("network notes lack %q:\n%s", n, notes)
				}
			}
		}
		if a.Status != want {
			t.Errorf("analysis %s: %s, want %s", a.Name, a.Status, want)
		}
	}
}

// grant gives user list access to every resource bulkhead reads but the
// one named, and waits until the authorizer sees it.
func grant(t *testing.T, ctx context.Context, cs kubernetes.Interface, user, except string) {
	t.Helper()
	all := map[string][]string{
		"":                          {"namespaces", "nodes", "pods", "services", "serviceaccounts", "persistentvolumes", "persistentvolumeclaims", "replicationcontrollers"},
		"discovery.k8s.io":          {"endpointslices"},
		"rbac.authorization.k8s.io": {"roles", "rolebindings", "clusterroles", "clusterrolebindings"},
		"networking.k8s.io":         {"networkpolicies", "ingresses"},
		"policy.networking.k8s.io":  {"adminnetworkpolicies", "baselineadminnetworkpolicies"},
		"apps":                      {"deployments", "statefulsets", "daemonsets", "replicasets"},
		"batch":                     {"jobs", "cronjobs"},
	}
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "reader-" + user}}
	for group, resources := range all {
		var keep []string
		for _, r := range resources {
			if r != except {
				keep = append(keep, r)
			}
		}
		role.Rules = append(role.Rules, rbacv1.PolicyRule{APIGroups: []string{group}, Resources: keep, Verbs: []string{"list"}})
	}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "reader-" + user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: user}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user, Groups: []string{"system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "list", Resource: "namespaces"},
		}}
		got, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Allowed {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never allowed to list namespaces", user)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// kubeconfig writes an admin kubeconfig for cfg, changed by edit.
func kubeconfig(t *testing.T, cfg *rest.Config, edit func(*clientcmdapi.Cluster, *clientcmdapi.AuthInfo)) string {
	t.Helper()
	kc, err := clientcmd.LoadFromFile(testenv.Kubeconfig(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	ctx := kc.Contexts[kc.CurrentContext]
	edit(kc.Clusters[ctx.Cluster], kc.AuthInfos[ctx.AuthInfo])
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// createCiliumPolicies installs the CiliumNetworkPolicy CRD (schema
// reduced to what the test needs) and n policies.
func createCiliumPolicies(t *testing.T, ctx context.Context, cfg *rest.Config, n int) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	crd := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]interface{}{"name": "ciliumnetworkpolicies.cilium.io"},
		"spec": map[string]interface{}{
			"group": "cilium.io",
			"names": map[string]interface{}{"kind": "CiliumNetworkPolicy", "plural": "ciliumnetworkpolicies", "singular": "ciliumnetworkpolicy", "shortNames": []interface{}{"cnp"}},
			"scope": "Namespaced",
			"versions": []interface{}{map[string]interface{}{
				"name": "v2", "served": true, "storage": true,
				"schema": map[string]interface{}{"openAPIV3Schema": map[string]interface{}{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			}},
		},
	}}
	if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumnetworkpolicies"}
	for i := 0; i < n; {
		obj := &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "cilium.io/v2",
			"kind":       "CiliumNetworkPolicy",
			"metadata":   map[string]interface{}{"name": "p" + string(rune('a'+i)), "namespace": "default"},
			"spec":       map[string]interface{}{"endpointSelector": map[string]interface{}{}},
		}}
		// The CRD takes a moment to be established and served.
		if _, err := dyn.Resource(gvr).Namespace("default").Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			select {
			case <-ctx.Done():
				t.Fatalf("create CiliumNetworkPolicy: %v", err)
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		i++
	}
}
