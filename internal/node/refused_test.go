package node

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// refusedFixture: team-a enforces restricted, team-b restricted at v1.21
// (before capabilities had to drop ALL), team-c nothing.
const refusedFixture = `
apiVersion: v1
kind: Namespace
metadata: {name: team-a, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-b, labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: v1.21}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-c}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, securityContext: {privileged: true}}]
---
apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: team-a}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: fit, namespace: team-a}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers: [{name: c, image: busybox, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: legacy, namespace: team-a}
spec: {containers: [{name: c, image: busybox}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: done, namespace: team-a}
spec: {containers: [{name: c, image: busybox}]}
status: {phase: Succeeded}
---
apiVersion: v1
kind: Pod
metadata: {name: keeps-caps, namespace: team-b}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers: [{name: c, image: busybox, securityContext: {allowPrivilegeEscalation: false}}]
---
apiVersion: v1
kind: Pod
metadata: {name: shell, namespace: team-c}
spec: {containers: [{name: c, image: busybox, securityContext: {privileged: true}}]}
`

func refusedSnapshot(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	snap := &snapshot.Snapshot{}
	load.Bytes(snap, "fixture.yaml", []byte(refusedFixture))
	if len(snap.Problems) > 0 {
		t.Fatalf("fixture: %v", snap.Problems)
	}
	snap.Normalize()
	return snap
}

func TestRefused(t *testing.T) {
	want := []RefusedNamespace{{
		Namespace: "team-a", Level: "restricted", Version: "latest",
		Refused:  []string{"Deployment/web", "done", "legacy", "plain"},
		Existing: []string{"done", "legacy"},
	}}
	snap := refusedSnapshot(t)
	if diff := cmp.Diff(want, Refused(snap)); diff != "" {
		t.Errorf("Refused (-want +got):\n%s", diff)
	}
	pods := len(snap.Pods)
	if diff := cmp.Diff(want, DropRefused(snap)); diff != "" {
		t.Errorf("DropRefused (-want +got):\n%s", diff)
	}
	var kept []string
	for i := range snap.Pods {
		kept = append(kept, snap.Pods[i].Namespace+"/"+snap.Pods[i].Name)
	}
	wantKept := []string{"team-a/done", "team-a/fit", "team-a/legacy", "team-b/keeps-caps", "team-c/shell"}
	sort.Strings(kept)
	if diff := cmp.Diff(wantKept, kept); diff != "" {
		t.Errorf("pods kept of %d (-want +got):\n%s", pods, diff)
	}
	// What remains refused is what exists.
	again := []RefusedNamespace{{Namespace: "team-a", Level: "restricted", Version: "latest", Refused: []string{"done", "legacy"}, Existing: []string{"done", "legacy"}}}
	if diff := cmp.Diff(again, DropRefused(snap)); diff != "" {
		t.Errorf("a second DropRefused (-want +got):\n%s", diff)
	}
	if got := want[0].String(); got != "4 pods of team-a would be refused by enforce=restricted (latest); 2 of them exist, admitted before the level was set" {
		t.Errorf("String() = %q", got)
	}
}

// The workload engine agrees with Refused: a refused representative pod
// escapes nowhere and shares no node, even when nobody dropped it.
func TestRefusedPodsCreateNoFacts(t *testing.T) {
	snap := refusedSnapshot(t)
	r := Analyze(snap, resolve(t, snap))
	refused := map[string]bool{}
	for _, ns := range Refused(snap) {
		for _, n := range ns.Refused {
			refused[n] = true
		}
	}
	for _, p := range r.Pods {
		name := p.Ref.Name
		if p.Ref.Kind != "Pod" {
			name = p.Ref.Kind + "/" + p.Ref.Name
		}
		if refused[name] != !p.Verdict.Admitted() {
			t.Errorf("%s: Refused says %v, the engine's verdict admits: %v", name, refused[name], p.Verdict.Admitted())
		}
		if refused[name] && !p.Live && p.Exists() {
			t.Errorf("%s: refused manifest exists", name)
		}
	}
	// Alone in team-a, the refused Deployment puts the tenant on no node.
	var alone []corev1.Pod
	for _, p := range snap.Pods {
		if p.Namespace != "team-a" || snapshot.IsSynthetic(&p) {
			alone = append(alone, p)
		}
	}
	snap.Pods = alone
	if r := Analyze(snap, resolve(t, snap)); r.CoLocation.Share("team-a", "team-c") {
		t.Error("team-a's refused Deployment shares a node with team-c")
	}
	for _, f := range r.Findings {
		if strings.Contains(f.Reason, "Deployment team-a/web") {
			t.Errorf("a finding about the refused Deployment: %s", f.Reason)
		}
	}
}

// Refused evaluates pods on every core: on a snapshot big enough to be
// split, it refuses exactly the pods a one-by-one evaluation refuses, and
// DropRefused keeps the others in their order.
func TestRefusedManyPods(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {pod-security.kubernetes.io/enforce: restricted}}\n")
	var wantRefused, wantKept []string
	for i := 0; i < 1200; i++ {
		name := fmt.Sprintf("p%04d", i)
		switch i % 3 {
		case 0: // fits restricted
			b.WriteString("---\napiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: team-a}\nspec:\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: c, image: busybox, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]\n")
			wantKept = append(wantKept, name)
		case 1: // refused, a manifest: dropped
			b.WriteString("---\napiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: team-a}\nspec: {containers: [{name: c, image: busybox}]}\n")
			wantRefused = append(wantRefused, name)
		default: // refused but running: kept
			b.WriteString("---\napiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: team-a}\nspec: {containers: [{name: c, image: busybox}]}\nstatus: {phase: Running}\n")
			wantRefused = append(wantRefused, name)
			wantKept = append(wantKept, name)
		}
	}
	snap := &snapshot.Snapshot{}
	load.Bytes(snap, "many.yaml", []byte(b.String()))
	if len(snap.Problems) > 0 {
		t.Fatalf("fixture: %v", snap.Problems)
	}
	snap.Normalize()
	got := DropRefused(snap)
	if len(got) != 1 || !slices.Equal(got[0].Refused, wantRefused) {
		t.Fatalf("refused: %d namespaces, want team-a's %d pods", len(got), len(wantRefused))
	}
	var kept []string
	for i := range snap.Pods {
		kept = append(kept, snap.Pods[i].Name)
	}
	if !slices.Equal(kept, wantKept) {
		t.Errorf("kept %d pods, want %d in order", len(kept), len(wantKept))
	}
}

// Rejudge keeps the pods' judgements of a result on the same pods, and
// gives what AnalyzeWith gives; on other pods it judges them again.
func TestRejudge(t *testing.T) {
	snap := refusedSnapshot(t)
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	full := AnalyzeWith(snap, ten, nil)
	if got := Rejudge(full, snap, ten, nil, nil, nil); !reflect.DeepEqual(full, got) {
		t.Errorf("Rejudge on the same pods differs from AnalyzeWith:\n%+v\n%+v", full.Pods, got.Pods)
	}
	other := refusedSnapshot(t)
	other.Pods = other.Pods[1:]
	if want, got := AnalyzeWith(other, ten, nil), Rejudge(full, other, ten, nil, nil, nil); !reflect.DeepEqual(want, got) {
		t.Errorf("Rejudge on other pods differs from AnalyzeWith:\n%+v\n%+v", want.Pods, got.Pods)
	}
}

// A live pod whose author gave it the representative annotation is still
// a live pod: the level it violates keeps it, as the cluster does, instead
// of the analysis dropping it as a template the API server would refuse.
func TestForgedRepresentativeIsKept(t *testing.T) {
	forged := newPod("team-a", "hidden", onNode("n1"), app(privileged), func(p *corev1.Pod) {
		p.Annotations = map[string]string{snapshot.SyntheticAnnotation: "Deployment/web"}
	})
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{namespace("team-a", enforce("baseline"))},
		Pods:       []corev1.Pod{forged},
	}
	DropRefused(snap)
	if len(snap.Pods) != 1 {
		t.Fatalf("the live pod was dropped as a representative")
	}
	if kind, name := snapshot.Workload(&snap.Pods[0]); kind != "Pod" || name != "hidden" {
		t.Errorf("Workload = %s/%s, want Pod/hidden", kind, name)
	}
}
