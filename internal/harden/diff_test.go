package harden

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"both empty", "", "", ""},
		{"one line changed, context of three", "1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfive\n6\n7\n8\n", `--- a
+++ b
@@ -2,7 +2,7 @@
 2
 3
 4
-5
+five
 6
 7
 8
`},
		{"changes far apart make two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "one\n2\n3\n4\n5\n6\n7\n8\n9\nten\n", `--- a
+++ b
@@ -1,4 +1,4 @@
-1
+one
 2
 3
 4
@@ -7,4 +7,4 @@
 7
 8
 9
-10
+ten
`},
		{"everything added", "", "x\ny\n", `--- a
+++ b
@@ -0,0 +1,2 @@
+x
+y
`},
		{"everything removed", "x\n", "", `--- a
+++ b
@@ -1 +0,0 @@
-x
`},
		{"a missing final newline is no change", "a\nb", "a\nb\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unifiedDiff("a", "b", tt.a, tt.b)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestUnifiedDiffPatches applies the diffs of random edits to their source
// and checks that each gives its target back.
func TestUnifiedDiffPatches(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	for i := 0; i < 300; i++ {
		a := randomText(rng)
		b := randomEdit(rng, a)
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			d := unifiedDiff("a", "b", a, b)
			if (d == "") != (a == b) {
				t.Fatalf("diff %q for a change %v", d, a != b)
			}
			got, err := patch(a, d)
			if err != nil {
				t.Fatalf("%v\ndiff:\n%s", err, d)
			}
			if got != b {
				t.Errorf("patched:\n%s\nwant:\n%s\ndiff:\n%s", got, b, d)
			}
		})
	}
}

func randomText(rng *rand.Rand) string {
	var b strings.Builder
	for n := rng.Intn(30); n > 0; n-- {
		fmt.Fprintf(&b, "line %d\n", rng.Intn(8)) // repeated lines on purpose
	}
	return b.String()
}

func randomEdit(rng *rand.Rand, a string) string {
	lines := diffLines(a)
	for n := rng.Intn(5); n > 0; n-- {
		at := 0
		if len(lines) > 0 {
			at = rng.Intn(len(lines))
		}
		switch rng.Intn(3) {
		case 0:
			lines = append(lines[:at], append([]string{fmt.Sprintf("new %d\n", rng.Intn(100))}, lines[at:]...)...)
		case 1:
			if len(lines) > 0 {
				lines = append(lines[:at], lines[at+1:]...)
			}
		default:
			if len(lines) > 0 {
				lines[at] = fmt.Sprintf("changed %d\n", rng.Intn(100))
			}
		}
	}
	return strings.Join(lines, "")
}

// patch applies a unified diff to text, checking every context and removed
// line against it.
func patch(text, diff string) (string, error) {
	src := diffLines(text)
	var out []string
	next := 0 // next line of src not yet copied
	lines := diffLines(diff)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "---") || strings.HasPrefix(l, "+++") {
			continue
		}
		if !strings.HasPrefix(l, "@@ -") {
			return "", fmt.Errorf("line %d: %q outside a hunk", i, l)
		}
		start, _, _ := strings.Cut(strings.TrimPrefix(l, "@@ -"), " ")
		first, count, ok := strings.Cut(start, ",")
		at, err := strconv.Atoi(first)
		if err != nil {
			return "", err
		}
		if !ok || count != "0" {
			at-- // ranges count from 1, but an empty range names the line before
		}
		if at < next {
			return "", fmt.Errorf("hunk %q goes back", l)
		}
		out = append(out, src[next:at]...)
		next = at
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "@@") {
			i++
			h := lines[i]
			switch h[0] {
			case ' ', '-':
				if next >= len(src) || src[next] != h[1:] {
					return "", fmt.Errorf("hunk line %q does not match the source", h)
				}
				if h[0] == ' ' {
					out = append(out, h[1:])
				}
				next++
			case '+':
				out = append(out, h[1:])
			default:
				return "", fmt.Errorf("bad hunk line %q", h)
			}
		}
	}
	out = append(out, src[next:]...)
	return strings.Join(out, ""), nil
}

func TestManifest(t *testing.T) {
	rb := &rbacv1.RoleBinding{
		TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "x", UID: types.UID("u-1"), ResourceVersion: "42",
			CreationTimestamp: metav1.Now(), ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: "alice"}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
	}
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "coredns"},
		Data:       map[string]string{"Corefile": ".:53 {\n    errors\n}\n"}}
	got, err := manifests([]runtime.Object{rb, cm})
	if err != nil {
		t.Fatal(err)
	}
	want := `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: x
  namespace: a
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: alice
---
apiVersion: v1
data:
  Corefile: |
    .:53 {
        errors
    }
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	t.Run("an object without its kind is an error", func(t *testing.T) {
		if _, err := manifest(&corev1.ConfigMap{}); err == nil {
			t.Error("no error")
		}
	})
}

// TestMarshalYAMLIsMarshal checks marshalYAML against sigs.k8s.io/yaml.Marshal,
// which it stands for, byte for byte: on every object harden writes for
// the seed cluster, and on random objects as encoding/json reads them,
// with strings YAML reads as other types, numbers of every kind and
// strings long enough to be folded. Keys have no digits: go-yaml sorts
// some keys with digits differently by the order it is given them, so
// yaml.Marshal itself writes them in no fixed order.
func TestMarshalYAMLIsMarshal(t *testing.T) {
	check := func(t *testing.T, raw []byte) {
		t.Helper()
		var a, b map[string]any
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		got, err := marshalYAML(a)
		if err != nil {
			t.Fatal(err)
		}
		want, err := yaml.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(string(want), string(got)); d != "" {
			t.Fatalf("%s: (-yaml.Marshal +marshalYAML):\n%s", raw, d)
		}
	}
	t.Run("seed cluster", func(t *testing.T) {
		plan := seedProofInput(t).plan(t, Options{})
		var objs []runtime.Object
		for _, o := range plan.Objects {
			objs = append(objs, o.Obj)
		}
		for _, p := range plan.Proposals {
			objs = append(append(objs, p.Apply...), p.Delete...)
		}
		if len(objs) < 10 {
			t.Fatalf("%d objects: want the seed cluster's plan", len(objs))
		}
		for _, o := range objs {
			raw, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			check(t, raw)
		}
	})
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewSource(1))
		scalars := []any{"", "on", "yes", "No", "null", "~", "true", "1", "0x1F", "1.5", "1e3", ".inf", "-", "a: b", "- a", "#x",
			"line\nnext", "tab\there", "  lead", "trail ", "é日本", "'q'", `"d"`, "{x}", "[y]", "*a", "&a", "!t", "%p", "@a", "`b",
			strings.Repeat("word ", 30), strings.Repeat("x", 200),
			0.0, 1.0, -1.0, 8080.0, 65535.0, 1.5, -0.25, 1e-7, 1e21, float64(1 << 53), float64(1<<53 - 1), -float64(1 << 60), 123456789012.0,
			true, false, nil}
		keys := []string{"", "a", "b", "name", "ports", "app.kubernetes.io/name", "kubernetes.io/metadata.name", "k-app", "on", "yes", "null",
			"~", "a: b", "- a", "#x", "line\nnext", "é日本", "'q'", `"d"`, "{x}", "*a", "!t", "%p", "@a", "`b", strings.Repeat("long", 40)}
		var value func(depth int) any
		value = func(depth int) any {
			switch k := rng.Intn(6); {
			case depth < 4 && k == 0:
				m := map[string]any{}
				for range rng.Intn(5) {
					m[keys[rng.Intn(len(keys))]] = value(depth + 1)
				}
				return m
			case depth < 4 && k == 1:
				s := make([]any, rng.Intn(4))
				for i := range s {
					s[i] = value(depth + 1)
				}
				return s
			default:
				return scalars[rng.Intn(len(scalars))]
			}
		}
		for i := range 5000 {
			m := map[string]any{"index": strings.Repeat("i", i%7)}
			for range 1 + rng.Intn(6) {
				m[keys[rng.Intn(len(keys))]] = value(0)
			}
			raw, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			check(t, raw)
		}
	})
}
