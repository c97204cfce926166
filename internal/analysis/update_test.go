package analysis

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Incremental re-analysis is exact: after each change of a random
// sequence (pods, controllers, NetworkPolicies, bindings, roles, Services,
// Secrets, the Corefile, namespace labels), the report of facts updated
// from the previous ones equals, byte for byte, the report of facts built
// afresh. An engine that reads a resource its Reads does not declare
// keeps stale facts and fails it. It runs with each namespace its own
// tenant, where a namespace's new labels never move it, and with tenants
// by a label the changes set, where they do: the engines that read no
// namespace labels must keep their facts in the first case only.
func TestUpdateEqualsFullAnalysis(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  tenancy.Config
	}{
		{"each namespace a tenant", tenancy.Config{}},
		{"tenants by label", tenancy.Config{Label: "zone"}},
	} {
		t.Run(tc.name, func(t *testing.T) { testUpdate(t, tc.cfg) })
	}
}

func testUpdate(t *testing.T, cfg tenancy.Config) {
	const changes = 1000
	demo, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	bases := []*snapshot.Snapshot{demo}
	r := rand.New(rand.NewSource(12))
	for len(bases) < 10 {
		bases = append(bases, randomCluster(r))
	}
	done, reused := 0, map[string]int{}
	relabels, keptOnRelabel, moved := 0, 0, 0
	for b := 0; done < changes; b++ {
		base := bases[b%len(bases)]
		st := snapshot.NewStore(base.Clone())
		if cfg.Label != "" {
			zoneNamespaces(r, st, cfg.Label)
		}
		facts, _ := analyse(t, st, cfg, nil, nil)
		for step := 0; step < 25 && done < changes; step++ {
			what, keys := randomChange(r, st)
			done++
			inc, stale := analyse(t, st, cfg, facts, keys)
			full, _ := analyse(t, st, cfg, nil, nil)
			for _, e := range Engines() {
				if !stale[e.Name] {
					reused[e.Name]++
				}
			}
			if what == "label namespace" && !reflect.DeepEqual(facts.Snapshot.Namespace(keys[0].Name).Labels, inc.Snapshot.Namespace(keys[0].Name).Labels) {
				relabels++
				if !stale["api"] {
					keptOnRelabel++
				}
				if !reflect.DeepEqual(facts.Tenancy, inc.Tenancy) {
					moved++
					if !stale["api"] || !stale["dns"] {
						t.Errorf("base %d, change %d: the tenancy moved, but facts were kept: stale %v", b, step, stale)
					}
				}
			}
			if d := cmp.Diff(report(t, full), report(t, inc)); d != "" {
				t.Fatalf("base %d, change %d (%s, %v): incremental report differs from a full analysis (-full +incremental):\n%s", b, step, what, keys, d)
			}
			facts = inc
		}
	}
	t.Logf("%d changes; facts kept per engine: %v; %d namespace relabels, the API facts kept on %d, the tenancy moved by %d", done, reused, relabels, keptOnRelabel, moved)
	for _, e := range Engines() {
		if reused[e.Name] == 0 {
			t.Errorf("engine %s never kept its facts: the test does not exercise Update", e.Name)
		}
	}
	if keptOnRelabel == 0 {
		t.Error("no namespace relabel kept the API facts: the test does not exercise relabelling")
	}
	if cfg.Label != "" && moved == 0 {
		t.Error("no namespace relabel moved the tenancy: the test does not exercise tenancy by label")
	}
}

// zoneNamespaces gives every namespace of st the label key, 0 or 1, the
// values randomChange's relabelling sets.
func zoneNamespaces(r *rand.Rand, st *snapshot.Store, key string) {
	for _, ns := range st.View().Namespaces {
		if _, _, err := st.ServerSideApply(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: map[string]string{key: fmt.Sprint(r.Intn(2))}}}); err != nil {
			panic(err)
		}
	}
}

// analyse makes the view of st as the commands do (Pod Security refusals
// dropped, tenancy resolved by cfg), then facts: updated from prev when
// given, else new. It reports which engines were stale.
func analyse(t *testing.T, st *snapshot.Store, cfg tenancy.Config, prev *Facts, changed []snapshot.Key) (*Facts, map[string]bool) {
	t.Helper()
	view := st.View()
	node.DropRefused(view)
	ten, err := tenancy.Resolve(view, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if prev == nil {
		f := NewFacts(view, ten)
		Run(f, Engines(), Options{Matrix: true})
		return f, nil
	}
	f := prev.Update(view, ten, changed)
	Run(f, Engines(), Options{Matrix: true})
	return f, stale(Engines(), changed, prev.relabelled(view, ten, changed))
}

func report(t *testing.T, f *Facts) string {
	t.Helper()
	out, err := json.MarshalIndent(Run(f, Engines(), Options{Matrix: true}), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// randomChange applies one random change to st and returns what it was
// and the identities it touched.
func randomChange(r *rand.Rand, st *snapshot.Store) (string, []snapshot.Key) {
	view := st.View()
	nss := view.Namespaces
	ns := nss[r.Intn(len(nss))].Name
	other := nss[r.Intn(len(nss))].Name
	apply := func(what string, objs ...runtime.Object) (string, []snapshot.Key) {
		var keys []snapshot.Key
		for _, o := range objs {
			k, _, err := st.ServerSideApply(o)
			if err != nil {
				panic(fmt.Sprintf("%s: %v", what, err))
			}
			keys = append(keys, k)
		}
		return what, keys
	}
	remove := func(what string, o runtime.Object) (string, []snapshot.Key) {
		k, err := snapshot.KeyOf(o)
		if err != nil {
			panic(err)
		}
		st.Delete(k)
		return what, []snapshot.Key{k}
	}
	meta := func(ns, name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: ns, Name: name} }
	real := func() []corev1.Pod {
		var out []corev1.Pod
		for _, p := range view.Pods {
			if !snapshot.IsSynthetic(&p) {
				out = append(out, p)
			}
		}
		return out
	}()
	switch r.Intn(14) {
	case 0:
		p := randomPod(r, ns, 100+r.Intn(50), max(1, len(view.Nodes)))
		if r.Intn(3) == 0 {
			p.Spec.Volumes = []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
		}
		return apply("add pod", &p)
	case 1:
		if len(real) > 0 {
			p := real[r.Intn(len(real))]
			return remove("delete pod", &p)
		}
		fallthrough
	case 2:
		if len(real) > 0 {
			p := real[r.Intn(len(real))].DeepCopy()
			p.Labels = map[string]string{"app": fmt.Sprint("a", r.Intn(3))}
			return apply("relabel pod", p)
		}
		fallthrough
	case 3:
		np := randomPolicy(r, ns)
		np.Name = fmt.Sprintf("np-%d", r.Intn(3))
		return apply("add policy", &np)
	case 4:
		if len(view.NetworkPolicies) > 0 {
			np := view.NetworkPolicies[r.Intn(len(view.NetworkPolicies))]
			return remove("delete policy", &np)
		}
		fallthrough
	case 5:
		role := []string{"view", "edit", "admin", "cluster-admin"}[r.Intn(4)]
		return apply("bind", &rbacv1.RoleBinding{ObjectMeta: meta(ns, fmt.Sprintf("rb-%d", r.Intn(3))),
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: other}}})
	case 6:
		if len(view.RoleBindings) > 0 {
			rb := view.RoleBindings[r.Intn(len(view.RoleBindings))]
			return remove("unbind", &rb)
		}
		fallthrough
	case 7:
		role := []string{"view", "cluster-admin", "wide"}[r.Intn(3)]
		objs := []runtime.Object{&rbacv1.ClusterRoleBinding{ObjectMeta: meta("", fmt.Sprintf("crb-%d", r.Intn(2))),
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: ns}}}}
		if role == "wide" {
			objs = append(objs, &rbacv1.ClusterRole{ObjectMeta: meta("", "wide"),
				Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Verbs: []string{"get", "create"}, Resources: []string{"pods", "pods/exec", "secrets"}}}})
		}
		return apply("bind cluster-wide", objs...)
	case 8:
		labels := map[string]string{"zone": fmt.Sprint(r.Intn(2))}
		if r.Intn(2) == 0 {
			labels["pod-security.kubernetes.io/enforce"] = []string{"privileged", "baseline", "restricted"}[r.Intn(3)]
		}
		return apply("label namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}})
	case 9:
		svc := &corev1.Service{ObjectMeta: meta(ns, fmt.Sprintf("svc-%d", r.Intn(2))),
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": fmt.Sprint("a", r.Intn(2))}, Ports: []corev1.ServicePort{{Port: 80}}}}
		switch r.Intn(3) {
		case 0:
			svc.Spec.ClusterIP = corev1.ClusterIPNone
		case 1:
			svc.Spec.Type = corev1.ServiceTypeNodePort
			svc.Spec.Ports[0].NodePort = 30080
		}
		return apply("add service", svc)
	case 10:
		return apply("add token", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "token",
			Annotations: map[string]string{corev1.ServiceAccountNameKey: "default"}}, Type: corev1.SecretTypeServiceAccountToken})
	case 11:
		privileged := r.Intn(2) == 0
		d := &appsv1.Deployment{ObjectMeta: meta(ns, "ctl"), Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"ctl": "yes"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"ctl": "yes", "app": "a0"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x", SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}}}}}
		return apply("add deployment", d)
	case 12:
		mode := []string{"insecure", "verified", "disabled"}[r.Intn(3)]
		return apply("corefile", &corev1.ConfigMap{ObjectMeta: meta("kube-system", "coredns"),
			Data: map[string]string{"Corefile": ".:53 {\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods " + mode + "\n    }\n}\n"}})
	default:
		if len(view.Nodes) > 0 {
			n := view.Nodes[r.Intn(len(view.Nodes))].DeepCopy()
			n.Labels = map[string]string{"pool": fmt.Sprint(r.Intn(2))}
			return apply("label node", n)
		}
		np := &networkingv1.NetworkPolicy{ObjectMeta: meta(ns, "all"), Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}}
		return apply("allow all", np)
	}
}
