package netpol

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BH-NET-005 flags an ipBlock of every address unless it excepts what its
// remediation names: the pods' and Services' addresses and the metadata
// service. Such a rule admits only addresses outside the cluster.
func TestAnyAddressExcepts(t *testing.T) {
	egress := []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	for _, c := range []struct {
		name    string
		block   networkingv1.IPBlock
		flagged bool
	}{
		{"no except", networkingv1.IPBlock{CIDR: "0.0.0.0/0"}, true},
		{"pods, services and metadata excepted", networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/16", "10.96.0.0/16", "169.254.169.254/32"}}, false},
		{"metadata left", networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/16", "10.96.0.0/16"}}, true},
		{"services left", networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/16", "169.254.169.254/32"}}, true},
		{"one pod left", networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/24", "10.96.0.0/16", "169.254.169.254/32"}}, true},
		{"IPv6 with metadata excepted, no IPv6 pods", networkingv1.IPBlock{CIDR: "::/0", Except: []string{"fd00:ec2::254/128"}}, false},
		{"IPv6 with nothing excepted", networkingv1.IPBlock{CIDR: "::/0"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := checksCluster()
			snap.Pods = append(snap.Pods, testPod("b", "far", nil, "10.0.1.9"))
			snap.Pods[len(snap.Pods)-1].Status.PodIPs = []corev1.PodIP{{IP: "10.0.1.9"}}
			// A pod on the host network has its node's address, which the
			// rule may reach.
			host := testPod("b", "host", nil, "192.168.0.5")
			host.Spec.HostNetwork = true
			snap.Pods = append(snap.Pods, host)
			snap.Services = []corev1.Service{{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "api"}, Spec: corev1.ServiceSpec{ClusterIP: "10.96.3.4"}}}
			snap.NetworkPolicies = []networkingv1.NetworkPolicy{netPolicy("a", "out", networkingv1.NetworkPolicySpec{PolicyTypes: egress,
				Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &c.block}}}}})}
			got := briefsOf(Analyze(snap, resolveTenancy(t, snap), DefaultOptions()), IDAnyAddress)
			if (len(got) > 0) != c.flagged {
				t.Errorf("findings %v, want flagged %v", got, c.flagged)
			}
		})
	}
}
