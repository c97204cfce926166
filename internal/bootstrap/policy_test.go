package bootstrap

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "", want: DefaultVersion},
		{in: "1.32", want: "v1.32"},
		{in: "v1.32", want: "v1.32"},
		{in: "1.32.2", want: "v1.32"},
		{in: " v1.32.0 ", want: "v1.32"},
		{in: "1.31", err: `no bootstrap RBAC policy embedded for v1.31 (embedded: v1.32)`},
		{in: "2.0", err: `embedded: v1.32`},
		{in: "latest", err: "want MAJOR.MINOR"},
		{in: "1", err: "want MAJOR.MINOR"},
		{in: "1.32.x", err: "want MAJOR.MINOR"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseVersion(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseVersion(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseVersion(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestDefaultVersionIsTested: the default is the version of the API server
// the tests build, so the embedded policy is the one checked against it.
func TestDefaultVersionIsTested(t *testing.T) {
	mod, err := os.ReadFile("../../hack/tools/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/kubernetes (v\d+\.\d+)\.`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("no k8s.io/kubernetes in hack/tools/go.mod")
	}
	if string(m[1]) != DefaultVersion {
		t.Errorf("DefaultVersion = %s, the tests run %s", DefaultVersion, m[1])
	}
	if v := Versions(); len(v) == 0 || v[len(v)-1] != DefaultVersion {
		t.Errorf("Versions() = %v, want the newest to be %s", v, DefaultVersion)
	}
}

// TestLoad checks the embedded policy has what offline analysis relies on.
func TestLoad(t *testing.T) {
	p, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != DefaultVersion {
		t.Errorf("Version = %q", p.Version)
	}
	cr := map[string]rbacv1.ClusterRole{}
	for _, x := range p.ClusterRoles {
		cr[x.Name] = x
	}
	star := []rbacv1.PolicyRule{
		{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}},
		{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}},
	}
	if d := cmp.Diff(star, cr["cluster-admin"].Rules); d != "" {
		t.Errorf("cluster-admin rules (-want +got):\n%s", d)
	}
	for _, name := range []string{"admin", "edit", "view"} {
		if cr[name].AggregationRule == nil {
			t.Errorf("%s has no aggregationRule", name)
		}
	}
	for name, label := range map[string]string{
		"system:aggregate-to-admin": "rbac.authorization.k8s.io/aggregate-to-admin",
		"system:aggregate-to-edit":  "rbac.authorization.k8s.io/aggregate-to-edit",
		"system:aggregate-to-view":  "rbac.authorization.k8s.io/aggregate-to-view",
		"edit":                      "rbac.authorization.k8s.io/aggregate-to-admin",
		"view":                      "rbac.authorization.k8s.io/aggregate-to-edit",
	} {
		if cr[name].Labels[label] != "true" {
			t.Errorf("ClusterRole %s lacks label %s", name, label)
		}
		if len(cr[name].Rules) == 0 && cr[name].AggregationRule == nil {
			t.Errorf("ClusterRole %s has no rules", name)
		}
	}
	crb := map[string]rbacv1.ClusterRoleBinding{}
	for _, x := range p.ClusterRoleBindings {
		crb[x.Name] = x
	}
	if b := crb["cluster-admin"]; b.RoleRef.Name != "cluster-admin" || len(b.Subjects) != 1 || b.Subjects[0].Name != "system:masters" {
		t.Errorf("ClusterRoleBinding cluster-admin = %+v", b)
	}
	if len(p.Roles) == 0 || len(p.RoleBindings) == 0 {
		t.Fatalf("no Roles or RoleBindings: %d, %d", len(p.Roles), len(p.RoleBindings))
	}
	nss := map[string]bool{}
	for _, r := range p.Roles {
		nss[r.Namespace] = true
	}
	if d := cmp.Diff(map[string]bool{"kube-system": true, "kube-public": true}, nss); d != "" {
		t.Errorf("namespaces of Roles (-want +got):\n%s", d)
	}
}

// TestEncodeReproducesEmbedded: decoding and encoding an embedded file gives
// the same bytes, so the format is deterministic and the file not edited by
// hand.
func TestEncodeReproducesEmbedded(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			data, err := files.ReadFile(v + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`^# The bootstrap RBAC policy of Kubernetes (\S+),`).FindSubmatch(data)
			if m == nil {
				t.Fatalf("%s.yaml has no header naming its server version", v)
			}
			p, err := Load(v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Encode(p, string(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(data), string(got)); d != "" {
				t.Errorf("(-embedded +re-encoded):\n%s", d)
			}
		})
	}
}

// TestEncode: server-filled fields are dropped, aggregated rules emptied,
// kinds in a fixed order and objects sorted whatever the input order.
func TestEncode(t *testing.T) {
	meta := func(ns, name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("u-" + name), ResourceVersion: "42", Generation: 3,
			CreationTimestamp: metav1.Now(), Annotations: map[string]string{rbacv1.AutoUpdateAnnotationKey: "true"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kube-apiserver"}}}
	}
	rule := rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}
	p := &Policy{
		RoleBindings: []rbacv1.RoleBinding{{ObjectMeta: meta("kube-system", "rb"), RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"}}},
		Roles:        []rbacv1.Role{{ObjectMeta: meta("kube-system", "r"), Rules: []rbacv1.PolicyRule{rule}}},
		ClusterRoles: []rbacv1.ClusterRole{
			{ObjectMeta: meta("", "b-aggregated"), Rules: []rbacv1.PolicyRule{rule},
				AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"x": "true"}}}}},
			{ObjectMeta: meta("", "a-plain"), Rules: []rbacv1.PolicyRule{rule}},
		},
	}
	out, err := Encode(p, "v1.32.9")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, field := range []string{"uid:", "resourceVersion:", "generation:", "creationTimestamp:", "managedFields:"} {
		if strings.Contains(s, field) {
			t.Errorf("output keeps %s:\n%s", field, s)
		}
	}
	back, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{back.ClusterRoles[0].Name, back.ClusterRoles[1].Name}; got[0] != "a-plain" || got[1] != "b-aggregated" {
		t.Errorf("ClusterRoles in order %v", got)
	}
	if len(back.ClusterRoles[1].Rules) != 0 || len(back.ClusterRoles[0].Rules) != 1 {
		t.Errorf("rules: plain %v, aggregated %v", back.ClusterRoles[0].Rules, back.ClusterRoles[1].Rules)
	}
	if back.Roles[0].Annotations[rbacv1.AutoUpdateAnnotationKey] != "true" {
		t.Error("autoupdate annotation lost")
	}
	if i, j := strings.Index(s, "kind: Role\n"), strings.Index(s, "kind: RoleBinding\n"); i < 0 || j < i {
		t.Errorf("Roles must come before RoleBindings:\n%s", s)
	}
	p.ClusterRoles[0], p.ClusterRoles[1] = p.ClusterRoles[1], p.ClusterRoles[0]
	again, err := Encode(p, "v1.32.9")
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != s {
		t.Error("output depends on input order")
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"kind: ClusterRole", `kind "ClusterRole", want List`},
		{"kind: List\nitems: [{apiVersion: v1, kind: ConfigMap}]", `items[0]: apiVersion "v1"`},
		{"kind: List\nitems: [{apiVersion: rbac.authorization.k8s.io/v1, kind: Secret}]", `items[0]: kind "Secret" is not an RBAC object`},
		{"kind: List\nitems: [{apiVersion: rbac.authorization.k8s.io/v1, kind: Role, rules: 3}]", "items[0]"},
		{"kind: [", ""},
	} {
		_, err := Decode([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Decode(%q) = %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}

// BenchmarkAssume is the cost every offline command pays for the built-in
// roles.
func BenchmarkAssume(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Load(""); err != nil {
			b.Fatal(err)
		}
	}
}
