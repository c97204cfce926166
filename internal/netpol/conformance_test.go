package netpol

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// A conformance fixture is one scenario of the upstream e2e suite
// (test/e2e/network/netpol) or of the network-policy-api conformance
// suite, on the suite's cluster: namespaces x, y, z, each with pods a, b,
// c serving ports 80 and 81 over TCP, UDP and SCTP on container ports
// named serve-<port>-<proto>. The expectations are the suite's own: start
// from "everything connects" and apply its Expect calls in order.
type fixture struct {
	Name     string `json:"name"`
	Upstream string `json:"upstream"`
	// Cluster is "" for the e2e suite's cluster or "network-policy-api"
	// for that suite's: namespaces network-policy-conformance-{gryffindor,
	// slytherin, hufflepuff, ravenclaw} with two pods each, and
	// hogwarts-staff with professor-dumbledore-0 and professor-quirrell-0.
	Cluster string `json:"cluster"`
	Steps   []step `json:"steps"`
}

type step struct {
	Policies        []networkingv1.NetworkPolicy     `json:"policies"`
	Admin           []anp.AdminNetworkPolicy         `json:"adminNetworkPolicies"`
	Baseline        []anp.BaselineAdminNetworkPolicy `json:"baselineAdminNetworkPolicies"`
	NamespaceLabels map[string]map[string]string     `json:"namespaceLabels"`
	PodLabels       map[string]map[string]string     `json:"podLabels"`
	Probes          []probe                          `json:"probes"`
	// Checks are single connections, as the network-policy-api suite
	// pokes them.
	Checks []check `json:"checks"`
}

type check struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	Port     int32           `json:"port"`
	Protocol corev1.Protocol `json:"protocol"`
	Allowed  bool            `json:"allowed"`
}

type probe struct {
	Port     int32           `json:"port"`
	Protocol corev1.Protocol `json:"protocol"`
	Expect   []expectation   `json:"expect"`
}

// expectation mirrors the e2e Reachability calls:
// {from, to} is ExpectPeer/Expect ("" any pod, "x" any pod of x, "x/a");
// allIngress is ExpectAllIngress, allEgress ExpectAllEgress.
type expectation struct {
	From       *string `json:"from"`
	To         *string `json:"to"`
	AllIngress string  `json:"allIngress"`
	AllEgress  string  `json:"allEgress"`
	Allowed    bool    `json:"allowed"`
}

var (
	suiteNamespaces = []string{"x", "y", "z"}
	suitePods       = []string{"a", "b", "c"}
)

// suitePodIP gives x/a 10.0.1.1, y/b 10.0.2.2 and so on.
func suitePodIP(ns, pod string) string {
	return fmt.Sprintf("10.0.%d.%d", strings.Index("xyz", ns)+1, strings.Index("abc", pod)+1)
}

func suiteSnapshot(st step) *snapshot.Snapshot {
	snap := &snapshot.Snapshot{}
	for _, ns := range suiteNamespaces {
		labels := map[string]string{"ns": ns, corev1.LabelMetadataName: ns}
		for k, v := range st.NamespaceLabels[ns] {
			labels[k] = v
		}
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}})
		for _, p := range suitePods {
			labels := map[string]string{"pod": p}
			for k, v := range st.PodLabels[ns+"/"+p] {
				labels[k] = v
			}
			pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: p, Labels: labels}}
			for _, port := range []int32{80, 81} {
				for _, proto := range Protocols {
					suffix := fmt.Sprintf("%d-%s", port, strings.ToLower(string(proto)))
					pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{
						Name:  "cont-" + suffix,
						Ports: []corev1.ContainerPort{{Name: "serve-" + suffix, ContainerPort: port, Protocol: proto}},
					})
				}
			}
			ip := suitePodIP(ns, p)
			pod.Status.PodIP = ip
			pod.Status.PodIPs = []corev1.PodIP{{IP: ip}}
			snap.Pods = append(snap.Pods, pod)
		}
	}
	snap.NetworkPolicies = st.Policies
	snap.AdminNetworkPolicies = st.Admin
	snap.BaselineAdminNetworkPolicies = st.Baseline
	return snap
}

// npaSnapshot is the network-policy-api conformance cluster.
func npaSnapshot(st step) *snapshot.Snapshot {
	snap := &snapshot.Snapshot{}
	houses := []struct{ house, pod string }{
		{"gryffindor", "harry-potter"}, {"slytherin", "draco-malfoy"}, {"hufflepuff", "cedric-diggory"}, {"ravenclaw", "luna-lovegood"},
	}
	ip := 0
	add := func(ns, name string, labels map[string]string) {
		ip++
		snap.Pods = append(snap.Pods, corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
			Status:     corev1.PodStatus{PodIP: fmt.Sprintf("10.1.0.%d", ip)},
		})
	}
	for _, h := range houses {
		ns := "network-policy-conformance-" + h.house
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{"conformance-house": h.house, corev1.LabelMetadataName: ns}}})
		for i := 0; i < 2; i++ {
			name := fmt.Sprintf("%s-%d", h.pod, i)
			add(ns, name, map[string]string{"conformance-house": h.house, "statefulset.kubernetes.io/pod-name": name})
		}
	}
	staff := "network-policy-conformance-hogwarts-staff"
	snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: staff, Labels: map[string]string{corev1.LabelMetadataName: staff}}})
	for _, n := range []string{"professor-dumbledore-0", "professor-quirrell-0"} {
		add(staff, n, map[string]string{"statefulset.kubernetes.io/pod-name": n})
	}
	snap.NetworkPolicies = st.Policies
	snap.AdminNetworkPolicies = st.Admin
	snap.BaselineAdminNetworkPolicies = st.Baseline
	return snap
}

func peerMatches(spec, pod string) bool {
	switch {
	case spec == "":
		return true
	case !strings.Contains(spec, "/"):
		return strings.HasPrefix(pod, spec+"/")
	case strings.HasPrefix(spec, "*/"):
		return strings.HasSuffix(pod, spec[1:])
	}
	return spec == pod
}

func allSuitePods() []string {
	var out []string
	for _, ns := range suiteNamespaces {
		for _, p := range suitePods {
			out = append(out, ns+"/"+p)
		}
	}
	return out
}

// expectedTable applies the expectations to an all-allowed table.
func expectedTable(exps []expectation) map[[2]string]bool {
	pods := allSuitePods()
	t := map[[2]string]bool{}
	for _, f := range pods {
		for _, to := range pods {
			t[[2]string{f, to}] = true
		}
	}
	for _, e := range exps {
		for _, f := range pods {
			for _, to := range pods {
				var hit bool
				switch {
				case e.AllIngress != "":
					hit = to == e.AllIngress
				case e.AllEgress != "":
					hit = f == e.AllEgress
				default:
					hit = peerMatches(ptrOr(e.From, ""), f) && peerMatches(ptrOr(e.To, ""), to)
				}
				if hit {
					t[[2]string{f, to}] = e.Allowed
				}
			}
		}
	}
	return t
}

func renderTable(t map[[2]string]bool) string {
	pods := allSuitePods()
	var b strings.Builder
	b.WriteString("     ")
	for _, to := range pods {
		b.WriteString(" " + to)
	}
	b.WriteString("\n")
	for _, f := range pods {
		b.WriteString(f + "  ")
		for _, to := range pods {
			c := "X"
			if f == to {
				c = "-"
			} else if t[[2]string{f, to}] {
				c = "."
			}
			b.WriteString("   " + c)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func loadFixtures(t *testing.T) []fixture {
	t.Helper()
	files, err := filepath.Glob("testdata/conformance/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	sort.Strings(files)
	var out []fixture
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var fx fixture
		if err := yaml.UnmarshalStrict(data, &fx); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if fx.Name == "" {
			fx.Name = strings.TrimSuffix(filepath.Base(f), ".yaml")
		}
		out = append(out, fx)
	}
	return out
}

// TestConformance checks every fixture's truth tables twice: through the
// per-pair explanation (Reach) and through the class matrices
// (AllowedPorts). Loopback pairs are ignored, as upstream does.
func TestConformance(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			if len(fx.Steps) == 0 {
				t.Fatal("fixture has no steps")
			}
			for si, st := range fx.Steps {
				snap := suiteSnapshot(st)
				if fx.Cluster == "network-policy-api" {
					snap = npaSnapshot(st)
				} else if fx.Cluster != "" {
					t.Fatalf("unknown cluster %q", fx.Cluster)
				}
				m := Compile(snap, DefaultOptions())
				if p := m.Problems(); len(p) > 0 {
					t.Fatalf("step %d: problems: %v", si, p)
				}
				if len(st.Probes)+len(st.Checks) == 0 {
					t.Fatalf("step %d has no probes or checks", si)
				}
				for _, c := range st.Checks {
					src, err := ParseEndpoint(c.From)
					if err != nil {
						t.Fatal(err)
					}
					dst, err := ParseEndpoint(c.To)
					if err != nil {
						t.Fatal(err)
					}
					proto := c.Protocol
					if proto == "" {
						proto = corev1.ProtocolTCP
					}
					v, err := m.Reach(src, dst, c.Port, proto)
					if err != nil {
						t.Fatal(err)
					}
					ports, err := m.AllowedPorts(src, dst)
					if err != nil {
						t.Fatal(err)
					}
					if v.Allowed != c.Allowed || portsInclude(ports, proto, c.Port) != c.Allowed {
						t.Errorf("step %d: %s -> %s %s/%d: reach %v, matrix %v, suite says %v\n%s", si, c.From, c.To, proto, c.Port,
							v.Allowed, portsInclude(ports, proto, c.Port), c.Allowed, strings.Join(v.Explain(), "\n"))
					}
				}
				for _, pr := range st.Probes {
					want := expectedTable(pr.Expect)
					got := map[[2]string]bool{}
					gotMatrix := map[[2]string]bool{}
					proto := ptrOr(&pr.Protocol, corev1.ProtocolTCP)
					if proto == "" {
						proto = corev1.ProtocolTCP
					}
					for _, f := range allSuitePods() {
						for _, to := range allSuitePods() {
							src, _ := ParseEndpoint(f)
							dst, _ := ParseEndpoint(to)
							v, err := m.Reach(src, dst, pr.Port, proto)
							if err != nil {
								t.Fatal(err)
							}
							got[[2]string{f, to}] = v.Allowed
							ports, err := m.AllowedPorts(src, dst)
							if err != nil {
								t.Fatal(err)
							}
							gotMatrix[[2]string{f, to}] = portsInclude(ports, proto, pr.Port)
						}
					}
					for _, f := range allSuitePods() {
						for _, to := range allSuitePods() {
							if f == to {
								continue
							}
							k := [2]string{f, to}
							if got[k] != want[k] || gotMatrix[k] != want[k] {
								t.Errorf("step %d %s/%d: verdicts differ from the suite\nwant:\n%s\nreach:\n%s\nmatrix:\n%s",
									si, proto, pr.Port, renderTable(want), renderTable(got), renderTable(gotMatrix))
								goto next
							}
						}
					}
				next:
				}
			}
		})
	}
}

func portsInclude(rs []PortRange, proto corev1.Protocol, port int32) bool {
	for _, r := range rs {
		if r.Protocol == proto && r.Start <= port && port <= r.End {
			return true
		}
	}
	return false
}
