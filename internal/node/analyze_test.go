package node

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func namespace(name string, labels map[string]string) corev1.Namespace {
	return corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func enforce(level string) map[string]string {
	return map[string]string{psaapi.EnforceLevelLabel: level, psaapi.EnforceVersionLabel: "v1.32"}
}

func node(name string, labels map[string]string, taints ...corev1.Taint) corev1.Node {
	return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
}

func onNode(n string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.NodeName = n; p.Status.Phase = corev1.PodRunning }
}

// contained is a pod with no escape at all: it drops every capability.
func contained(p *corev1.Pod) { app(dropCaps("ALL"))(p) }

// summary is a finding reduced to what the tests pin down.
type summary struct {
	ID       string
	Severity finding.Severity
	Source   string
	Target   string
	Object   string
}

func summarizeFindings(fs []finding.Finding) []summary {
	var out []summary
	for _, f := range fs {
		out = append(out, summary{f.ID, f.Severity, f.SourceTenant, f.TargetTenant, f.Objects[0].String()})
	}
	return out
}

func claimVolume(claim string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}})
		p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "v", MountPath: "/v", ReadOnly: true})
	}
}

func analyze(t *testing.T, snap *snapshot.Snapshot) *Result {
	t.Helper()
	return Analyze(snap, resolve(t, snap))
}

// Live: pods are where their nodeName says. Tenant a's privileged pod
// shares n1 with tenant b, not with tenant c on n2.
func TestLiveCoLocation(t *testing.T) {
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("a", enforce("baseline")), namespace("b", enforce("baseline")), namespace("c", enforce("baseline")), namespace("kube-system", nil)},
		Nodes:      []corev1.Node{node("n1", nil), node("n2", nil)},
		Pods: []corev1.Pod{
			newPod("a", "shell", onNode("n1"), app(privileged)),
			newPod("b", "web", onNode("n1"), contained),
			newPod("c", "db", onNode("n2"), contained),
			newPod("kube-system", "kube-proxy", onNode("n1"), app(privileged)),
			newPod("kube-system", "kube-proxy-2", onNode("n2"), app(privileged)),
		},
	}
	r := analyze(t, snap)
	want := []summary{
		{IDNodeEscape, finding.Critical, "a", "b", "Pod/a/shell"},
		{IDViolatesEnforced, finding.Medium, "a", "", "Namespace/a"},
	}
	if diff := cmp.Diff(want, summarizeFindings(r.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	co := r.CoLocation
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"a", "b", true}, {"a", "c", false}, {"b", "c", false}, {"a", "cluster", true}, {"c", "cluster", true}} {
		if got := co.Share(tc.a, tc.b); got != tc.want {
			t.Errorf("Share(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if diff := cmp.Diff([]string{"a", "b", "cluster"}, co.OnNode("n1")); diff != "" {
		t.Errorf("OnNode(n1) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b", "cluster"}, co.Neighbours("a")); diff != "" {
		t.Errorf("Neighbours(a) (-want +got):\n%s", diff)
	}
	f := r.Findings[0]
	var nodes []string
	for _, s := range f.Witness {
		if s.Object.Kind == "Node" {
			nodes = append(nodes, s.Object.Name)
		}
	}
	if diff := cmp.Diff([]string{"n1"}, nodes); diff != "" {
		t.Errorf("witness nodes (-want +got):\n%s", diff)
	}
}

// Offline: placement follows nodeSelector, required node affinity and
// taints. Tenant a's escaping pod goes to the tainted gpu node, where only
// tenant c's pods (which tolerate the taint) may go.
func TestOfflineCoLocation(t *testing.T) {
	gpuTaint := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	toleratesGPU := func(p *corev1.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu", Effect: corev1.TaintEffectNoSchedule})
	}
	selects := func(k, v string) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{k: v} }
	}
	affinity := func(k string, vs ...string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: k, Operator: corev1.NodeSelectorOpIn, Values: vs}}}}}}}
		}
	}
	snap := &snapshot.Snapshot{
		PersistentVolumes: []corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "kubelet-dir"},
			Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/lib/kubelet"}}}}},
		PersistentVolumeClaims: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "kubelet"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "kubelet-dir"}}},
		Namespaces:             []corev1.Namespace{namespace("a", enforce("baseline")), namespace("b", enforce("baseline")), namespace("c", enforce("baseline")), namespace("d", enforce("baseline"))},
		Nodes: []corev1.Node{
			node("gpu-1", map[string]string{"gpu": "true", "zone": "z1"}, gpuTaint),
			node("general-1", map[string]string{"zone": "z2"}),
		},
		Pods: []corev1.Pod{
			// baseline does not follow claims to their volumes
			newPod("a", "trainer", selects("gpu", "true"), toleratesGPU, claimVolume("kubelet"), contained),
			newPod("b", "web", contained),                                         // general-1 only: the taint keeps it off gpu-1
			newPod("c", "infer", toleratesGPU, affinity("zone", "z1"), contained), // gpu-1 only
			newPod("d", "batch", toleratesGPU, contained),                         // either node
		},
	}
	r := analyze(t, snap)
	want := []summary{{IDNodeEscape, finding.Critical, "a", "*", "Pod/a/trainer"}}
	if diff := cmp.Diff(want, summarizeFindings(r.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	places := map[string][]string{}
	for _, p := range r.Pods {
		places[p.Ref.Name] = p.Placement.Nodes
	}
	wantPlaces := map[string][]string{"trainer": {"gpu-1"}, "web": {"general-1"}, "infer": {"gpu-1"}, "batch": {"general-1", "gpu-1"}}
	if diff := cmp.Diff(wantPlaces, places); diff != "" {
		t.Errorf("placements (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"c", "d"}, r.CoLocation.Neighbours("a")); diff != "" {
		t.Errorf("Neighbours(a) (-want +got):\n%s", diff)
	}
	if r.CoLocation.Share("a", "b") {
		t.Error("a and b share no node")
	}
}

// Severity is relative to tenants: alone on its node an escape exposes the
// node (the cluster tenant) and is high; pods of the cluster tenant are
// the node's own agents and get no finding.
func TestEscapeSeverityRelativeToTenants(t *testing.T) {
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("a", enforce("baseline")), namespace("kube-system", nil)},
		Nodes:      []corev1.Node{node("n1", nil)},
		Pods: []corev1.Pod{
			newPod("a", "shell", onNode("n1"), app(privileged)),
			newPod("a", "sniffer", onNode("n1"), func(p *corev1.Pod) { p.Spec.HostNetwork = true }),
			newPod("a", "web", onNode("n1")), // NET_RAW kept, but no other tenant to spoof
			newPod("kube-system", "cni", onNode("n1"), app(privileged), hostPathVolume("h", "/etc", false)),
		},
	}
	r := analyze(t, snap)
	want := []summary{
		{IDNodeEscape, finding.High, "a", "cluster", "Pod/a/shell"},
		{IDHostAccess, finding.Medium, "a", "cluster", "Pod/a/sniffer"},
		{IDViolatesEnforced, finding.Medium, "a", "", "Namespace/a"},
	}
	if diff := cmp.Diff(want, summarizeFindings(r.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if got := len(r.Escaping()); got != 2 {
		t.Errorf("Escaping() has %d pods, want 2 (a/shell and the cluster's cni)", got)
	}
}

// Namespaces: no enforce label and enforce=privileged admit privileged
// pods; baseline and restricted do not; system namespaces are the
// cluster's.
func TestUnenforcedNamespaces(t *testing.T) {
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{
			namespace("open", nil),
			namespace("warned", map[string]string{psaapi.WarnLevelLabel: "restricted", psaapi.AuditLevelLabel: "baseline"}),
			namespace("privileged", enforce("privileged")),
			namespace("base", enforce("baseline")),
			namespace("strict", enforce("restricted")),
			namespace("kube-system", nil),
		},
	}
	r := analyze(t, snap)
	want := []summary{
		{IDUnenforced, finding.High, "open", "", "Namespace/open"},
		{IDUnenforced, finding.High, "privileged", "", "Namespace/privileged"},
		{IDUnenforced, finding.High, "warned", "", "Namespace/warned"},
	}
	if diff := cmp.Diff(want, summarizeFindings(r.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	var unenforced []string
	for _, ns := range r.Unenforced() {
		unenforced = append(unenforced, ns.Namespace)
	}
	if diff := cmp.Diff([]string{"kube-system", "open", "privileged", "warned"}, unenforced); diff != "" {
		t.Errorf("Unenforced() (-want +got):\n%s", diff)
	}
}

// A running pod that its namespace's enforce level would refuse today, and
// a pod that breaks baseline in ways the escape checks do not grade.
func TestPodSecurityFindings(t *testing.T) {
	unconfined := func(p *corev1.Pod) {
		p.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}}
	}
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("strict", enforce("restricted")), namespace("open", nil)},
		Pods: []corev1.Pod{
			newPod("strict", "legacy", contained, status(corev1.PodRunning)), // runs as root: not restricted
			newPod("open", "unconfined", contained, unconfined),
			newPod("open", "fine", contained),
		},
	}
	r := analyze(t, snap)
	want := []summary{
		{IDUnenforced, finding.High, "open", "", "Namespace/open"},
		{IDViolatesEnforced, finding.Medium, "strict", "", "Namespace/strict"},
		{IDViolatesBaseline, finding.Medium, "open", "", "Pod/open/unconfined"},
	}
	if diff := cmp.Diff(want, summarizeFindings(r.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// Representative pods of workload controllers are reported under the
// controller's name; a manifest or template its namespace refuses never
// runs, so it escapes nowhere.
func TestRepresentativePodNamesController(t *testing.T) {
	template := func(of string) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Annotations = map[string]string{snapshot.SyntheticAnnotation: of} }
	}
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("a", enforce("privileged")), namespace("b", enforce("baseline"))},
		Pods: []corev1.Pod{
			newPod("a", "web-rep", app(privileged), template("Deployment/web")),
			newPod("b", "db", contained),
			newPod("b", "agent-rep", app(privileged), template("DaemonSet/agent")), // refused by baseline
		},
	}
	r := analyze(t, snap)
	want := []summary{
		{IDNodeEscape, finding.Critical, "a", "b", "Deployment/a/web"},
		{IDUnenforced, finding.High, "a", "", "Namespace/a"},
	}
	if diff := cmp.Diff(want, summarizeFindings(r.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// Finished pods share no node.
func TestFinishedPodsShareNoNode(t *testing.T) {
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("a", enforce("baseline")), namespace("b", enforce("baseline"))},
		Nodes:      []corev1.Node{node("n1", nil)},
		Pods: []corev1.Pod{
			newPod("a", "shell", onNode("n1"), app(privileged)),
			newPod("b", "job", onNode("n1"), contained, status(corev1.PodSucceeded)),
		},
	}
	if r := analyze(t, snap); r.CoLocation.Share("a", "b") {
		t.Error("a shares a node with b's finished job")
	}
}

// Helm hooks run once around a release: they hold no node and no token.
func TestHelmHooksHoldNoNode(t *testing.T) {
	hook := func(p *corev1.Pod) { p.Annotations = map[string]string{snapshot.HelmHookAnnotation: "test"} }
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("a", nil), namespace("b", enforce("baseline"))},
		Nodes:      []corev1.Node{node("n1", nil)},
		Pods: []corev1.Pod{
			newPod("a", "test-connection", onNode("n1"), app(privileged), hook),
			newPod("b", "app", onNode("n1"), contained, status(corev1.PodRunning)),
		},
	}
	rbacFixture(snap)
	snap.Pods[0].Spec.ServiceAccountName = "deployer"
	r := analyze(t, snap)
	if r.CoLocation.Share("a", "b") {
		t.Error("a's hook shares a node with b")
	}
	if f := &r.Pods[0]; f.Exists() || f.TokenPowers != nil {
		t.Errorf("the hook exists (%v) or holds a token (%v)", f.Exists(), f.TokenPowers)
	}
	for _, f := range r.Findings {
		if f.ID == IDNodeEscape || f.ID == IDToken {
			t.Errorf("%s about a hook: %s", f.ID, f.Reason)
		}
	}
}

// Pods that only weaken isolation (NET_RAW kept, nodeName pinning) are
// grouped into one finding per namespace.
func TestWeakenedGroupedPerNamespace(t *testing.T) {
	pinned := func(p *corev1.Pod) { p.Spec.NodeName = "n1" } // a manifest: no status
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("a", enforce("baseline")), namespace("b", enforce("baseline"))},
		Nodes:      []corev1.Node{node("n1", nil)},
		Pods: []corev1.Pod{
			newPod("a", "one"), newPod("a", "two"), newPod("a", "pinned", pinned, contained),
			newPod("b", "db", contained),
		},
	}
	r := analyze(t, snap)
	want := []summary{{IDWeakened, finding.Medium, "a", "", "Namespace/a"}}
	if diff := cmp.Diff(want, summarizeFindings(r.Findings)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s", diff)
	}
	f := r.Findings[0]
	if diff := cmp.Diff("3 pods of namespace a weaken node isolation toward tenant b", f.Reason); diff != "" {
		t.Errorf("reason (-want +got):\n%s", diff)
	}
	if len(f.Objects) != 4 {
		t.Errorf("objects %v, want the namespace and its 3 pods", f.Objects)
	}
}

// DaemonSet pods tolerate cordoned nodes (the controller adds the
// toleration); a pod that fits no node never runs and escapes nowhere.
func TestPlacementDaemonSetAndUnschedulable(t *testing.T) {
	template := func(of string) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Annotations = map[string]string{snapshot.SyntheticAnnotation: of} }
	}
	cordoned := corev1.Taint{Key: "node.kubernetes.io/unschedulable", Effect: corev1.TaintEffectNoSchedule}
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("a", enforce("privileged")), namespace("b", enforce("baseline"))},
		Nodes:      []corev1.Node{node("n1", nil, cordoned)},
		Pods: []corev1.Pod{
			newPod("a", "agent-rep", app(privileged), template("DaemonSet/agent")),
			newPod("a", "web-rep", app(privileged), template("Deployment/web")),
			newPod("b", "db", onNode("n1"), contained),
		},
	}
	r := analyze(t, snap)
	var got []summary
	for _, s := range summarizeFindings(r.Findings) {
		if s.ID == IDNodeEscape {
			got = append(got, s)
		}
	}
	want := []summary{{IDNodeEscape, finding.Critical, "a", "b", "DaemonSet/a/agent"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
