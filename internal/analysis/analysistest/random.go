// Package analysistest makes the random clusters and changes the
// property tests of the analyses and of admission run on.
package analysistest

import (
	"fmt"
	"math/rand"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Cluster builds a small cluster from r: two to five namespaces, each
// its own service account, one to three pods on one to three shared nodes
// (some privileged), maybe a NetworkPolicy, maybe a Role in some namespace
// bound to its account.
func Cluster(r *rand.Rand) *snapshot.Snapshot {
	snap := &snapshot.Snapshot{Source: "random"}
	nss := 2 + r.Intn(4)
	nodes := 1 + r.Intn(3)
	for n := 0; n < nodes; n++ {
		snap.Nodes = append(snap.Nodes, corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%d", n)}})
	}
	verbs := [][]string{{"get", "list"}, {"create"}, {"*"}, {"get"}}
	resources := []string{"pods", "pods/exec", "secrets", "serviceaccounts/token", "deployments", "*"}
	for i := 0; i < nss; i++ {
		ns := fmt.Sprintf("ns-%d", i)
		labels := map[string]string{"kubernetes.io/metadata.name": ns, "zone": fmt.Sprint(r.Intn(2))}
		if r.Intn(2) == 0 {
			labels["pod-security.kubernetes.io/enforce"] = "baseline"
		}
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}})
		snap.ServiceAccounts = append(snap.ServiceAccounts, corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}})
		for p := 0; p < 1+r.Intn(3); p++ {
			snap.Pods = append(snap.Pods, Pod(r, ns, p, nodes))
		}
		if r.Intn(2) == 0 {
			snap.NetworkPolicies = append(snap.NetworkPolicies, Policy(r, ns))
		}
		if r.Intn(2) == 0 {
			target := fmt.Sprintf("ns-%d", r.Intn(nss))
			snap.Roles = append(snap.Roles, rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r-" + ns, Namespace: target},
				Rules: []rbacv1.PolicyRule{{APIGroups: []string{"", "apps"}, Verbs: verbs[r.Intn(len(verbs))], Resources: []string{resources[r.Intn(len(resources))]}}}})
			snap.RoleBindings = append(snap.RoleBindings, rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rb-" + ns, Namespace: target},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "r-" + ns},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: ns}}})
		}
	}
	return snap
}

// Pod is a running pod of ns, numbered i, on one of nodes nodes, maybe
// privileged.
func Pod(r *rand.Rand, ns string, i, nodes int) corev1.Pod {
	c := corev1.Container{Name: "c", Image: "x", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: int32(80 + r.Intn(2)), Protocol: corev1.ProtocolTCP}}}
	p := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%d", i), Namespace: ns, Labels: map[string]string{"app": fmt.Sprint("a", r.Intn(2))}},
		Spec:       corev1.PodSpec{NodeName: fmt.Sprintf("node-%d", r.Intn(nodes)), ServiceAccountName: "default", Containers: []corev1.Container{c}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.0.%d.%d", len(ns), 10+i)},
	}
	if r.Intn(6) == 0 {
		privileged := true
		p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &privileged}
	}
	return p
}

// Policy is an ingress NetworkPolicy of ns: deny, same namespace, or from
// the namespaces of zone 0.
func Policy(r *rand.Rand, ns string) networkingv1.NetworkPolicy {
	np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "np", Namespace: ns},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	switch r.Intn(3) {
	case 0: // default deny
	case 1: // same namespace
		np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}}}
	case 2: // namespaces of a zone
		np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"zone": "0"}}}}}}
	}
	return np
}

// Change applies one random change to st and returns what it was
// and the identities it touched.
func Change(r *rand.Rand, st *snapshot.Store) (string, []snapshot.Key) {
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
	switch r.Intn(20) {
	case 0:
		p := Pod(r, ns, 100+r.Intn(50), max(1, len(view.Nodes)))
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
		np := Policy(r, ns)
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
			// The checks evaluate latest and the newest version alike,
			// v1.0 apart from both.
			if v := []string{"", "latest", "v1.32", "v1.0"}[r.Intn(4)]; v != "" {
				labels["pod-security.kubernetes.io/enforce-version"] = v
			}
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
	case 13:
		// A pod changed in place, under its name: its own judgement moves.
		if len(real) > 0 {
			p := real[r.Intn(len(real))].DeepCopy()
			privileged := r.Intn(2) == 0
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &privileged}
			p.Spec.Volumes = nil
			if r.Intn(2) == 0 {
				p.Spec.Volumes = []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
			}
			return apply("edit pod", p)
		}
		fallthrough
	case 14:
		// A controller over pods that run (app a0, which pods get): seen
		// through nothing, whatever its template says.
		privileged := r.Intn(2) == 0
		d := &appsv1.Deployment{ObjectMeta: meta(ns, "running"), Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a0"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "a0"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x", SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}}}}}
		return apply("add deployment over pods", d)
	case 15:
		// A namespace the snapshot does not list lives through its pods
		// alone, and goes with the last of them.
		for _, p := range real {
			if p.Namespace == "ghost" {
				return remove("delete ghost pod", &p)
			}
		}
		p := Pod(r, "ghost", 200+r.Intn(5), max(1, len(view.Nodes)))
		return apply("add ghost pod", &p)
	case 16:
		// A pod moved to nodes of its own, as harden proposes: what the
		// network model reads of it stays.
		if len(real) > 0 {
			p := real[r.Intn(len(real))].DeepCopy()
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: p.Namespace, Effect: corev1.TaintEffectNoSchedule})
			p.Spec.NodeSelector = map[string]string{"dedicated": p.Namespace}
			if r.Intn(2) == 0 {
				p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
					NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "pool", Operator: corev1.NodeSelectorOpIn, Values: []string{"1"}}}}}}}}
			}
			if r.Intn(4) == 0 {
				// And a label a policy may select (see the test's bases).
				flip := "a1"
				if p.Labels["app"] == "a1" {
					flip = "a0"
				}
				p.Labels = map[string]string{"app": flip}
			}
			return apply("move pod", p)
		}
		fallthrough
	case 17:
		// A node dedicated to a namespace: a label and a taint; sometimes
		// a label that says the nodes run on a cloud.
		if len(view.Nodes) > 0 {
			n := view.Nodes[r.Intn(len(view.Nodes))].DeepCopy()
			if n.Labels == nil {
				n.Labels = map[string]string{}
			}
			n.Labels["dedicated"] = ns
			if r.Intn(3) == 0 {
				n.Labels[corev1.LabelInstanceTypeStable] = "m5.large"
			}
			n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: ns, Effect: corev1.TaintEffectNoSchedule}}
			return apply("dedicate node", n)
		}
		fallthrough
	case 18:
		// A Service's exposure outside the cluster changed, or its port.
		if s := view.Services[r.Intn(max(1, len(view.Services))):]; len(s) > 0 && len(s[0].Spec.Ports) > 0 {
			s := s[0].DeepCopy()
			switch r.Intn(3) {
			case 0:
				s.Spec.Type, s.Spec.Ports[0].NodePort = corev1.ServiceTypeClusterIP, 0
			case 1:
				s.Spec.Type, s.Spec.Ports[0].NodePort = corev1.ServiceTypeNodePort, 30081
			default:
				s.Spec.Ports[0].Port++
			}
			return apply("expose service", s)
		}
		fallthrough
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
