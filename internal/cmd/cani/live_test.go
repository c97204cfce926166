package cani

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// TestLiveSeedArticle runs the seed article's commands against a real API
// server holding examples/seed-cluster/30-rbac.yaml, read live through a
// kubeconfig, and checks --list shows the bootstrap self-review rules a
// real cluster grants every authenticated user.
func TestLiveSeedArticle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real kube-apiserver")
	}
	cfg := testenv.Start(t)
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := load.Paths([]string{filepath.Join("..", "..", "..", "examples", "seed-cluster", "30-rbac.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "test-namespace"}}, metav1.CreateOptions{}))
	for i := range seed.Roles {
		must(cs.RbacV1().Roles(seed.Roles[i].Namespace).Create(ctx, &seed.Roles[i], metav1.CreateOptions{}))
	}
	for i := range seed.RoleBindings {
		must(cs.RbacV1().RoleBindings(seed.RoleBindings[i].Namespace).Create(ctx, &seed.RoleBindings[i], metav1.CreateOptions{}))
	}
	for i := range seed.ClusterRoles {
		must(cs.RbacV1().ClusterRoles().Create(ctx, &seed.ClusterRoles[i], metav1.CreateOptions{}))
	}
	for i := range seed.ClusterRoleBindings {
		must(cs.RbacV1().ClusterRoleBindings().Create(ctx, &seed.ClusterRoleBindings[i], metav1.CreateOptions{}))
	}
	kubeconfig := testenv.Kubeconfig(t, cfg)

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "pods", "-n", "test-namespace", "--as", "alice"}, "yes"},
		{[]string{"list", "pods", "-n", "kube-system", "--as", "alice"}, "no"},
		{[]string{"list", "pods", "-n", "kube-system", "--as", "bob"}, "yes"},
		{[]string{"create", "selfsubjectaccessreviews.authorization.k8s.io", "--as", "alice"}, "yes"},
		{[]string{"get", "/healthz", "--as", "system:anonymous"}, "yes"},
	} {
		out, _, _ := runCanI(t, append(tt.args, "--kubeconfig", kubeconfig)...)
		if got := strings.TrimSpace(out); got != tt.want {
			t.Errorf("live can-i %q = %q, want %q", tt.args, got, tt.want)
		}
	}
	out, _, _ := runCanI(t, "--list", "-n", "test-namespace", "--as", "alice", "--kubeconfig", kubeconfig)
	t.Logf("live --list:\n%s", out)
	for _, row := range []string{
		"pods                                            []                  []               [get list watch]",
		"selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]",
		"selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]",
		"[/healthz]",
	} {
		if !strings.Contains(out, row) {
			t.Errorf("live --list lacks %q:\n%s", row, out)
		}
	}
}
