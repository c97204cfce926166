package netpol

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// keepCluster is randomCluster with nodes n1 and n2 (their addresses
// those of the host-network pods on them), a Service, and maybe an
// AdminNetworkPolicy that denies egress to the nodes of pool 1.
func keepCluster(r *rand.Rand) *snapshot.Snapshot {
	snap := randomCluster(r)
	for i, name := range []string{"n1", "n2"} {
		snap.Nodes = append(snap.Nodes, corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"pool": fmt.Sprint(r.Intn(2))}},
			Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("192.168.0.%d", i+1)}}}})
	}
	snap.Services = append(snap.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "web"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.20", Selector: map[string]string{"app": "x"},
			Ports: []corev1.ServicePort{{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP}}}},
		// The cluster's DNS, served by the pods of app y on their port "dns".
		corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-dns"},
			Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10"}, Selector: map[string]string{"app": "y"},
				Ports: []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")}}}})
	for i := range snap.Pods {
		if p := &snap.Pods[i]; p.Labels["app"] == "y" {
			p.Namespace = "kube-system"
		}
	}
	if r.Intn(2) == 0 {
		snap.AdminNetworkPolicies = append(snap.AdminNetworkPolicies, anp.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "nodes"},
			Spec: anp.AdminNetworkPolicySpec{Priority: 1, Subject: anp.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{}},
				Egress: []anp.AdminNetworkPolicyEgressRule{{Name: "pool-1", Action: anp.AdminNetworkPolicyRuleActionDeny,
					To: []anp.AdminNetworkPolicyEgressPeer{{Nodes: &metav1.LabelSelector{MatchLabels: map[string]string{"pool": "1"}}}}}}}})
	}
	return snap
}

// selectsNodes reports whether a policy peer of s selects nodes.
func selectsNodes(s *snapshot.Snapshot) bool {
	for _, a := range s.AdminNetworkPolicies {
		for _, r := range a.Spec.Egress {
			for _, p := range r.To {
				if p.Nodes != nil {
					return true
				}
			}
		}
	}
	for _, a := range s.BaselineAdminNetworkPolicies {
		for _, r := range a.Spec.Egress {
			for _, p := range r.To {
				if p.Nodes != nil {
					return true
				}
			}
		}
	}
	return false
}

// changeable is a clone of s whose pods, nodes, Services and namespaces
// are copies, to change in place.
func changeable(s *snapshot.Snapshot) *snapshot.Snapshot {
	c := s.Clone()
	c.Pods, c.Nodes, c.Services = make([]corev1.Pod, len(s.Pods)), make([]corev1.Node, len(s.Nodes)), make([]corev1.Service, len(s.Services))
	c.Namespaces = make([]corev1.Namespace, len(s.Namespaces))
	for i := range s.Namespaces {
		s.Namespaces[i].DeepCopyInto(&c.Namespaces[i])
	}
	for i := range s.Pods {
		s.Pods[i].DeepCopyInto(&c.Pods[i])
	}
	for i := range s.Nodes {
		s.Nodes[i].DeepCopyInto(&c.Nodes[i])
	}
	for i := range s.Services {
		s.Services[i].DeepCopyInto(&c.Services[i])
	}
	return c
}

// TestKeeps: a change to a pod, node or Service in what the network model
// does not read keeps the model, and the model kept answers as the model
// of the changed cluster does (every pod pair, every finding); a change
// to what it reads does not keep it.
func TestKeeps(t *testing.T) {
	type change struct {
		name  string
		keeps bool
		apply func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key
	}
	// onPod is a change of a random pod by edit.
	onPod := func(edit func(p *corev1.Pod)) func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
		return func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			p := &s.Pods[r.Intn(len(s.Pods))]
			edit(p)
			return snapshot.Key{Resource: podsResource, Namespace: p.Namespace, Name: p.Name}
		}
	}
	node := func(r *rand.Rand, s *snapshot.Snapshot) *corev1.Node { return &s.Nodes[r.Intn(len(s.Nodes))] }
	nodeKey := func(n *corev1.Node) snapshot.Key { return snapshot.Key{Resource: nodesResource, Name: n.Name} }
	svc := func(s *snapshot.Snapshot) (*corev1.Service, snapshot.Key) {
		sv := &s.Services[0]
		return sv, snapshot.Key{Resource: servicesResource, Namespace: sv.Namespace, Name: sv.Name}
	}
	dnsSvc := func(s *snapshot.Snapshot) (*corev1.Service, snapshot.Key) {
		sv := &s.Services[1]
		return sv, snapshot.Key{Resource: servicesResource, Namespace: sv.Namespace, Name: sv.Name}
	}
	namespace := func(r *rand.Rand, s *snapshot.Snapshot) (*corev1.Namespace, snapshot.Key) {
		ns := &s.Namespaces[r.Intn(len(s.Namespaces))]
		return ns, snapshot.Key{Resource: namespacesResource, Name: ns.Name}
	}
	changes := []change{
		{"namespace labelled what no policy reads", true, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			ns, k := namespace(r, s)
			ns.Labels = map[string]string{"team": ns.Labels["team"], "cost-centre": "42"}
			ns.Annotations = map[string]string{"owner": "someone"}
			return k
		}},
		{"namespace moved to another team", false, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			ns, k := namespace(r, s)
			ns.Labels = map[string]string{"team": map[string]string{"red": "blue", "blue": "red"}[ns.Labels["team"]]}
			return k
		}},
		{"namespace's finalizers", false, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			ns, k := namespace(r, s)
			ns.Spec.Finalizers = append(ns.Spec.Finalizers, "example.com/hold")
			return k
		}},
		{"pod scheduled elsewhere", true, onPod(func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
			p.Spec.NodeSelector = map[string]string{"dedicated": "a"}
			p.Spec.Affinity = &corev1.Affinity{}
		})},
		{"pod's server-kept metadata", true, onPod(func(p *corev1.Pod) {
			p.ResourceVersion, p.UID, p.Generation = "7", "u", 3
			p.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}"}
		})},
		{"pod relabelled", false, onPod(func(p *corev1.Pod) {
			p.Labels = map[string]string{"app": "z"}
		})},
		{"pod's port", false, onPod(func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: "new", ContainerPort: 7000})
		})},
		{"pod's address", false, onPod(func(p *corev1.Pod) {
			p.Status.PodIP = "10.9.9.9"
		})},
		{"pod's sidecar port", false, onPod(func(p *corev1.Pod) {
			always := corev1.ContainerRestartPolicyAlways
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "sidecar", RestartPolicy: &always,
				Ports: []corev1.ContainerPort{{Name: "proxy", ContainerPort: 15001}}})
		})},
		{"pod's host address", false, onPod(func(p *corev1.Pod) {
			p.Status.HostIP = "192.168.0.7"
		})},
		{"pod on the host network", false, onPod(func(p *corev1.Pod) {
			p.Spec.HostNetwork = !p.Spec.HostNetwork
		})},
		{"node tainted", true, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			n := node(r, s)
			n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "a", Effect: corev1.TaintEffectNoSchedule}}
			return nodeKey(n)
		}},
		{"node relabelled", true, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			n := node(r, s)
			n.Labels = map[string]string{"pool": fmt.Sprint(r.Intn(2)), "dedicated": "a"}
			return nodeKey(n)
		}},
		{"node on a cloud", false, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			n := node(r, s)
			n.Labels = map[string]string{"pool": n.Labels["pool"], corev1.LabelInstanceTypeStable: "m5.large"}
			return nodeKey(n)
		}},
		{"node's address", false, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			n := node(r, s)
			n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.0.9"}}
			return nodeKey(n)
		}},
		{"Service made ClusterIP", true, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			sv, k := svc(s)
			sv.Spec.Type, sv.Spec.Ports[0].NodePort, sv.Spec.ExternalIPs = corev1.ServiceTypeClusterIP, 0, nil
			sv.Labels = map[string]string{"exposed": "no"}
			return k
		}},
		{"Service's address", false, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			sv, k := svc(s)
			sv.Spec.ClusterIP = "10.96.0.21"
			return k
		}},
		{"Service's port", false, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			sv, k := svc(s)
			sv.Spec.Ports[0].Port = 81
			return k
		}},
		{"DNS made NodePort", true, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			sv, k := dnsSvc(s)
			sv.Spec.Type, sv.Spec.Ports[0].NodePort = corev1.ServiceTypeNodePort, 30053
			return k
		}},
		{"DNS's selector", false, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			sv, k := dnsSvc(s)
			sv.Spec.Selector = map[string]string{"app": "x"}
			return k
		}},
		{"DNS's target port", false, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			sv, k := dnsSvc(s)
			sv.Spec.Ports[0].TargetPort = intstr.FromInt32(5353)
			return k
		}},
		{"DNS's addresses", false, func(r *rand.Rand, s *snapshot.Snapshot) snapshot.Key {
			sv, k := dnsSvc(s)
			sv.Spec.ClusterIPs = append(sv.Spec.ClusterIPs, "fd00::10")
			return k
		}},
	}
	kept, moved := map[string]int{}, map[bool]int{}
	for seed := int64(0); seed < 60; seed++ {
		for _, c := range changes {
			r := rand.New(rand.NewSource(seed))
			before := keepCluster(r)
			m := Compile(before, DefaultOptions())
			after := changeable(before)
			k := c.apply(r, after)
			selects := selectsNodes(before)
			want := c.keeps
			if c.name == "node relabelled" && selects {
				// Labels a policy reads: kept only when they stay.
				want = reflect.DeepEqual(nodesByName(before)[k.Name].Labels, nodesByName(after)[k.Name].Labels)
			}
			if c.name == "namespace moved to another team" {
				// Kept only when every namespace selector of the policies
				// selects the namespace alike before and after.
				want = sameSelection(before, after, k.Name)
				moved[want]++
			}
			if got := m.Keeps(before, after, []snapshot.Key{k}); got != want {
				t.Fatalf("seed %d, %s (%v): Keeps = %v, want %v", seed, c.name, k, got, want)
			}
			if !want {
				continue
			}
			kept[c.name]++
			fresh := Compile(after, DefaultOptions())
			if d := cmp.Diff(fresh.PodMatrix(), m.PodMatrix()); d != "" {
				t.Fatalf("seed %d, %s: the pod matrix kept differs from the changed cluster's (-changed +kept):\n%s", seed, c.name, d)
			}
			ten := resolveTenancy(t, after)
			if d := cmp.Diff(fresh.Findings(after, ten), m.Findings(after, ten)); d != "" {
				t.Fatalf("seed %d, %s: the findings kept differ from the changed cluster's (-changed +kept):\n%s", seed, c.name, d)
			}
		}
	}
	for _, c := range changes {
		if c.keeps && kept[c.name] == 0 {
			t.Errorf("%s never kept the model", c.name)
		}
	}
	if moved[true] == 0 || moved[false] == 0 {
		t.Errorf("a namespace moved to another team kept the model %d times and changed it %d: the clusters test one side only", moved[true], moved[false])
	}
	// A change Keeps does not model, or a pod that comes or goes, keeps
	// nothing.
	before := keepCluster(rand.New(rand.NewSource(1)))
	m := Compile(before, DefaultOptions())
	after := changeable(before)
	after.NetworkPolicies = nil
	if m.Keeps(before, after, []snapshot.Key{{Resource: schema.GroupResource{Group: "networking.k8s.io", Resource: "networkpolicies"}, Namespace: "a", Name: "x"}}) {
		t.Error("a changed NetworkPolicy kept the model")
	}
	after = changeable(before)
	after.Pods = after.Pods[1:]
	if m.Keeps(before, after, []snapshot.Key{{Resource: podsResource, Namespace: before.Pods[0].Namespace, Name: before.Pods[0].Name}}) {
		t.Error("a deleted pod kept the model")
	}
}

// sameSelection reports whether every namespace selector of the
// NetworkPolicies and AdminNetworkPolicies of before selects namespace ns
// alike in before and after, by the API's own label selector.
func sameSelection(before, after *snapshot.Snapshot, ns string) bool {
	labelsIn := func(s *snapshot.Snapshot) labels.Set {
		for _, n := range s.Namespaces {
			if n.Name == ns {
				l := labels.Set{corev1.LabelMetadataName: ns}
				for k, v := range n.Labels {
					l[k] = v
				}
				return l
			}
		}
		return nil
	}
	lb, la := labelsIn(before), labelsIn(after)
	var sels []*metav1.LabelSelector
	for _, p := range before.NetworkPolicies {
		for _, r := range p.Spec.Ingress {
			for _, peer := range r.From {
				sels = append(sels, peer.NamespaceSelector)
			}
		}
		for _, r := range p.Spec.Egress {
			for _, peer := range r.To {
				sels = append(sels, peer.NamespaceSelector)
			}
		}
	}
	admin := func(subject anp.AdminNetworkPolicySubject, in []anp.AdminNetworkPolicyIngressPeer, out []anp.AdminNetworkPolicyEgressPeer) {
		sels = append(sels, subject.Namespaces)
		if p := subject.Pods; p != nil {
			sels = append(sels, &p.NamespaceSelector)
		}
		for _, peer := range in {
			sels = append(sels, peer.Namespaces)
			if peer.Pods != nil {
				sels = append(sels, &peer.Pods.NamespaceSelector)
			}
		}
		for _, peer := range out {
			sels = append(sels, peer.Namespaces)
			if peer.Pods != nil {
				sels = append(sels, &peer.Pods.NamespaceSelector)
			}
		}
	}
	for _, a := range before.AdminNetworkPolicies {
		admin(a.Spec.Subject, nil, nil)
		for _, r := range a.Spec.Ingress {
			admin(a.Spec.Subject, r.From, nil)
		}
		for _, r := range a.Spec.Egress {
			admin(a.Spec.Subject, nil, r.To)
		}
	}
	if b := before.BaselineAdminNetworkPolicies; len(b) > 0 {
		admin(b[0].Spec.Subject, nil, nil) // one BANP a cluster, named default
		for _, r := range b[0].Spec.Ingress {
			admin(b[0].Spec.Subject, r.From, nil)
		}
		for _, r := range b[0].Spec.Egress {
			admin(b[0].Spec.Subject, nil, r.To)
		}
	}
	for _, sel := range sels {
		if sel == nil {
			continue
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return false
		}
		if s.Matches(lb) != s.Matches(la) {
			return false
		}
	}
	return true
}
