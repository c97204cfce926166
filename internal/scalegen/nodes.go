package scalegen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// batchTaint keeps ordinary workloads off the batch pool (about one node
// in ten); batch Deployments tolerate it and select the pool.
var batchTaint = corev1.Taint{Key: "workload-class", Value: "batch", Effect: corev1.TaintEffectNoSchedule}

var zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

// node is one node of the plan; next counts the pod IPs handed out from
// its podCIDR.
type node struct {
	name     string
	ip       netip.Addr
	cidr     netip.Prefix
	zone     string
	instance string
	instID   string
	tainted  bool
	next     int
}

// maxPodsPerNode is the kubelet's default limit; a /24 podCIDR holds
// more. daemonSets is the number of pods every node runs on its own
// network (kube-proxy, node-exporter): they count against the limit but
// take no pod IP.
const (
	maxPodsPerNode = 110
	daemonSets     = 2
)

// planNodes lays out about one node per PodsPerNode tenant pods, one in
// ten tainted for batch work.
func (g *generator) planNodes() {
	r := section(g.cfg.Seed, "nodes")
	n := max(3, (g.cfg.Tenants*PodsPerTenant+PodsPerNode-1)/PodsPerNode)
	general := []string{"m5.2xlarge", "m6i.2xlarge", "c6i.4xlarge"}
	vpc := netip.MustParseAddr("10.1.0.0")
	pods := netip.MustParsePrefix(podCIDR).Addr()
	for i := 0; i < n; i++ {
		ip := addr(vpc, (i/250)<<8|(i%250+4))
		nd := node{
			name:    "ip-" + strings.ReplaceAll(ip.String(), ".", "-") + ".ec2.internal",
			ip:      ip,
			cidr:    netip.PrefixFrom(addr(pods, i<<8), 24),
			zone:    zones[i%len(zones)],
			tainted: i%10 == 9 || (n < 10 && i == n-1),
			instID:  fmt.Sprintf("i-0%016x", r.Uint64()),
		}
		if nd.tainted {
			nd.instance = "r6i.4xlarge"
			g.batch = append(g.batch, i)
		} else {
			nd.instance = general[r.IntN(len(general))]
			g.general = append(g.general, i)
		}
		g.nodes = append(g.nodes, nd)
	}
}

// place picks a node of pool for a pod and hands out its pod IP.
func (g *generator) place(r *rand.Rand, pool []int) (int, string) {
	start := r.IntN(len(pool))
	for k := 0; k < len(pool); k++ {
		i := pool[(start+k)%len(pool)]
		if g.nodes[i].next < maxPodsPerNode-daemonSets {
			g.nodes[i].next++
			return i, addr(g.nodes[i].cidr.Addr(), g.nodes[i].next).String()
		}
	}
	panic("scalegen: every node of the pool is full") // the plan has ~80 per node
}

func (g *generator) writeNodes() {
	for i := range g.nodes {
		nd := &g.nodes[i]
		pool := "general"
		if nd.tainted {
			pool = "batch"
		}
		labels := map[string]string{
			"kubernetes.io/hostname":           nd.name,
			"kubernetes.io/os":                 "linux",
			"kubernetes.io/arch":               "amd64",
			"topology.kubernetes.io/region":    "us-east-1",
			"topology.kubernetes.io/zone":      nd.zone,
			"node.kubernetes.io/instance-type": nd.instance,
			"eks.amazonaws.com/nodegroup":      pool,
		}
		obj := corev1.Node{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
			ObjectMeta: g.meta("", nd.name, labels),
			Spec: corev1.NodeSpec{
				PodCIDR:    nd.cidr.String(),
				PodCIDRs:   []string{nd.cidr.String()},
				ProviderID: "aws:///" + nd.zone + "/" + nd.instID,
			},
			Status: corev1.NodeStatus{
				Capacity:    resources("8", "32Gi", maxPodsPerNode),
				Allocatable: resources("7910m", "30Gi", maxPodsPerNode),
				Addresses: []corev1.NodeAddress{
					{Type: corev1.NodeInternalIP, Address: nd.ip.String()},
					{Type: corev1.NodeHostName, Address: nd.name},
					{Type: corev1.NodeInternalDNS, Address: nd.name},
				},
				NodeInfo: corev1.NodeSystemInfo{
					KubeletVersion:          "v1.32.2-eks-0a21954",
					ContainerRuntimeVersion: "containerd://1.7.25", OSImage: "Amazon Linux 2023.6.20250203",
					OperatingSystem: "linux", Architecture: "amd64", KernelVersion: "6.1.127-135.201.amzn2023.x86_64",
				},
			},
		}
		if nd.tainted {
			obj.Labels[batchTaint.Key] = batchTaint.Value
			obj.Spec.Taints = []corev1.Taint{batchTaint}
		}
		g.e.emit(&obj)
		g.stats.Nodes++
	}
}

func resources(cpu, memory string, pods int64) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(memory),
		corev1.ResourcePods:   *resource.NewQuantity(pods, resource.DecimalSI),
	}
}
