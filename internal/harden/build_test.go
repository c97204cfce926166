package harden

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func TestParseLayers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []string
		want  []Layer
		error string
	}{
		{"none is all", nil, Layers, ""},
		{"canonical order", []string{"rbac", " network"}, []Layer{Network, RBAC}, ""},
		{"duplicates", []string{"dns", "dns"}, []Layer{DNS}, ""},
		{"unknown", []string{"network", "firewall"}, nil, `layer "firewall": want one of network, pod-security, dns, rbac, quota, node`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLayers(tc.in)
			if tc.error != "" {
				if err == nil || err.Error() != tc.error {
					t.Fatalf("error %v, want %q", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func namespaceObject(layer Layer, labels map[string]string, closes ...string) Object {
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}
	stamp(&ns.ObjectMeta, closes, string(layer))
	for k, v := range labels {
		ns.Labels[k] = v
	}
	return Object{Layer: layer, Namespace: "team-a", Obj: ns, Closes: closes, Why: string(layer)}
}

func TestMergeObjects(t *testing.T) {
	np := func(layer Layer) Object {
		return Object{Layer: layer, Namespace: "team-a", Obj: &networkingv1.NetworkPolicy{
			TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}, ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "x"}}}
	}
	t.Run("namespaces merge", func(t *testing.T) {
		got, err := mergeObjects([]Object{namespaceObject(PodSecurity, map[string]string{"a": "1"}, "BH-X-2"), namespaceObject(Quota, map[string]string{"b": "2"}, "BH-X-1")})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%d objects, want 1", len(got))
		}
		ns := got[0].Obj.(*corev1.Namespace)
		want := map[string]string{"a": "1", "b": "2", ManagedByLabel: ManagedBy}
		if d := cmp.Diff(want, ns.Labels); d != "" {
			t.Errorf("labels (-want +got):\n%s", d)
		}
		if a := ns.Annotations[ClosesAnnotation]; a != "BH-X-1,BH-X-2" {
			t.Errorf("closes %q", a)
		}
		if a := ns.Annotations[ReasonAnnotation]; a != "pod-security; quota" {
			t.Errorf("reason %q", a)
		}
	})
	t.Run("other kinds twice are an error", func(t *testing.T) {
		_, err := mergeObjects([]Object{np(Network), np(Quota)})
		if err == nil || !strings.Contains(err.Error(), "layers network and quota both write NetworkPolicy team-a/x") {
			t.Errorf("error %v", err)
		}
	})
}

// TestBuildDeterministic: two runs give the same bytes, objects and
// files alike.
func TestBuildDeterministic(t *testing.T) {
	var outs []string
	for range 2 {
		in := seedProofInput(t)
		plan := in.plan(t, Options{})
		files, err := Files(plan, in.prove(t, plan), "demo", "--demo")
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, f := range files {
			b.WriteString("== " + f.Path + "\n")
			b.Write(f.Data)
		}
		outs = append(outs, b.String())
	}
	if d := cmp.Diff(outs[0], outs[1]); d != "" {
		t.Errorf("reruns differ (-first +second):\n%s", d)
	}
}

// TestBuildIdempotent: harden on the cluster with its own output applied
// writes the same objects again, and none that is new.
func TestBuildIdempotent(t *testing.T) {
	for name, in := range map[string]proofInput{"demo": seedProofInput(t), "dns-cluster": dnsCluster(t)} {
		t.Run(name, func(t *testing.T) {
			first := in.plan(t, Options{})
			applied := in.st.Clone()
			for _, o := range first.Objects {
				if _, _, err := applied.ServerSideApply(o.Obj); err != nil && !strings.Contains(err.Error(), "not a kind bulkhead models") {
					t.Fatal(err)
				}
			}
			again := newProofInputOf(t, applied, in.resolve)
			second := again.plan(t, Options{})
			// Every object of the rerun is one the first run wrote, or a
			// Namespace whose labels the cluster already has.
			wrote := map[string]bool{}
			for _, o := range first.Objects {
				wrote[yamlOf(t, o)] = true
			}
			for _, o := range second.Objects {
				if wrote[yamlOf(t, o)] {
					continue
				}
				if ns, ok := o.Obj.(*corev1.Namespace); ok {
					key, _ := snapshot.KeyOf(ns)
					have, _ := applied.Get(key)
					if hasLabels(have.(*corev1.Namespace).Labels, ns.Labels) {
						continue
					}
				}
				t.Errorf("the rerun writes something new:\n%s", yamlOf(t, o))
			}
		})
	}
}

func yamlOf(t *testing.T, o Object) string {
	t.Helper()
	y, err := manifest(o.Obj)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// newProofInputOf is the proof input of a store.
func newProofInputOf(t *testing.T, st *snapshot.Store, resolve Resolver) proofInput {
	t.Helper()
	in := proofInput{st: st, view: st.View(), resolve: resolve}
	ten, err := resolve(in.view)
	if err != nil {
		t.Fatal(err)
	}
	in.ten = ten
	return in
}
