package podgen

import (
	"fmt"
	"math/rand"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	rbacv1 "k8s.io/api/rbac/v1"
)

func addRBAC(snap *snapshot.Snapshot) {
	ref := func(name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name}
	}
	snap.ClusterRoles = append(snap.ClusterRoles,
		rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "workloads"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"", "apps"}, Resources: []string{"pods", "deployments", "configmaps"}, Verbs: []string{"get", "list", "create", "update"}},
		}},
		rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "ci"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "secrets"}, Verbs: []string{"*"}},
		}})
	snap.ClusterRoleBindings = append(snap.ClusterRoleBindings, rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "ci"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: snap.Namespaces[0].Name, Name: "default"}},
		RoleRef:    ref("ci"),
	})
	for _, ns := range snap.Namespaces {
		snap.RoleBindings = append(snap.RoleBindings, rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "workloads"},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default"}},
			RoleRef:    ref("workloads"),
		})
	}
}

// Size shapes a synthetic cluster.
type Size struct {
	Namespaces, Pods, Nodes int
	// Live places every pod on a node (spec.nodeName and a Running status),
	// as a snapshot of a live cluster has them; otherwise pods carry
	// scheduling constraints against labelled and tainted nodes.
	Live bool
	// Unusual is the share of pods, in percent, built from random Pod
	// Security variants (privileged, hostPath, capabilities...); the rest
	// are plain restricted or bare pods.
	Unusual int
	// RBAC adds, per namespace, a RoleBinding of the "edit"-like role
	// "workloads" to the namespace's default service account, and one
	// ClusterRoleBinding giving a CI account cluster-wide pod creation.
	RBAC bool
}

// Cluster returns a synthetic snapshot: namespaces ns-0000... with a mix of
// Pod Security labels, nodes node-0000... (a tenth of them tainted for a
// "dedicated" pool), and pods spread over them. The same seed and size give
// the same snapshot.
func Cluster(seed int64, size Size) *snapshot.Snapshot {
	rng := rand.New(rand.NewSource(seed))
	snap := &snapshot.Snapshot{Source: fmt.Sprintf("podgen seed %d", seed)}
	levels := []string{"", "", "baseline", "restricted", "privileged"}
	for i := 0; i < size.Namespaces; i++ {
		ns := corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ns-%04d", i)}}
		if l := levels[i%len(levels)]; l != "" {
			ns.Labels = map[string]string{psaapi.EnforceLevelLabel: l, psaapi.EnforceVersionLabel: "v1.32"}
		}
		snap.Namespaces = append(snap.Namespaces, ns)
	}
	if size.RBAC {
		addRBAC(snap)
	}
	for i := 0; i < size.Nodes; i++ {
		n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%04d", i), Labels: map[string]string{
			"kubernetes.io/hostname":      fmt.Sprintf("node-%04d", i),
			"topology.kubernetes.io/zone": fmt.Sprintf("zone-%d", i%3),
		}}}
		if i%10 == 0 {
			n.Labels["pool"] = "dedicated"
			n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "true", Effect: corev1.TaintEffectNoSchedule}}
		}
		snap.Nodes = append(snap.Nodes, n)
	}
	vs := Variants()
	var combinable []Variant
	for _, v := range vs {
		if !v.Exclusive {
			combinable = append(combinable, v)
		}
	}
	for i := 0; i < size.Pods; i++ {
		name := fmt.Sprintf("pod-%06d", i)
		var p corev1.Pod
		if rng.Intn(2) == 0 {
			p = Restricted(name)
		} else {
			p = Bare(name)
		}
		if rng.Intn(100) < size.Unusual {
			for k := 1 + rng.Intn(3); k > 0; k-- {
				combinable[rng.Intn(len(combinable))].Apply(&p)
			}
			makeValid(&p)
		}
		p.Namespace = snap.Namespaces[rng.Intn(len(snap.Namespaces))].Name
		switch {
		case size.Live && size.Nodes > 0:
			p.Spec.NodeName = snap.Nodes[rng.Intn(size.Nodes)].Name
			p.Status.Phase = corev1.PodRunning
		case rng.Intn(10) == 0:
			p.Spec.NodeSelector = map[string]string{"pool": "dedicated"}
			p.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule}}
		case rng.Intn(5) == 0:
			p.Spec.NodeSelector = map[string]string{"topology.kubernetes.io/zone": fmt.Sprintf("zone-%d", rng.Intn(3))}
		}
		snap.Pods = append(snap.Pods, p)
	}
	return snap
}
