package node_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/node/podgen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// oracleNamespaces are labelled with an enforce level and version each.
// The versions pick out the versioned checks: seccomp annotations before
// v1.19, sysctls added in v1.27, v1.29 and v1.32, container_engine_t from
// v1.31, the Windows relaxations of restricted from v1.25.
var oracleNamespaces = []struct{ name, level, version string }{
	{"psa-baseline", "baseline", "v1.32"},
	{"psa-restricted", "restricted", "v1.32"},
	{"psa-baseline-latest", "baseline", "latest"},
	{"psa-restricted-latest", "restricted", "latest"},
	{"psa-baseline-v1-18", "baseline", "v1.18"},
	{"psa-baseline-v1-28", "baseline", "v1.28"},
	{"psa-baseline-v1-30", "baseline", "v1.30"},
	{"psa-restricted-v1-24", "restricted", "v1.24"},
	{"psa-privileged", "privileged", "v1.32"},
}

// openNamespace has no labels: the API server admits everything there, and
// a dry-run create returns the pod as the server would store it.
const openNamespace = "psa-open"

// TestAdmissionOracle creates generated pods, dry-run, in namespaces that
// enforce each level at several versions, and checks that bulkhead refuses
// exactly the pods the API server refuses, with the same message.
//
// Two comparisons: the pod as written (what an offline audit reads) must
// get the server's verdict; the pod as the server stores it (what a live
// audit reads) must get the server's verdict and its exact message.
func TestAdmissionOracle(t *testing.T) {
	cfg := rest.CopyConfig(testenv.Start(t))
	cfg.WarningHandler = rest.NoWarnings{} // deprecated annotations are generated on purpose
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	snap := &snapshot.Snapshot{}
	stored := &snapshot.Snapshot{}
	for _, ns := range append(oracleNamespaces, struct{ name, level, version string }{openNamespace, "", ""}) {
		obj := corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.name}}
		if ns.level != "" {
			obj.Labels = map[string]string{psaapi.EnforceLevelLabel: ns.level, psaapi.EnforceVersionLabel: ns.version}
		}
		created, err := cs.CoreV1().Namespaces().Create(ctx, &obj, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create namespace %s: %v", ns.name, err)
		}
		snap.Namespaces = append(snap.Namespaces, *created)
		stored.Namespaces = append(stored.Namespaces, *created)
	}

	pods := podgen.Pods(20261123, 240)
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}

	// The pods as the server would store them. Pods of ServerRewrites
	// variants are compared as written only if the server kept what
	// they were written with.
	asStored := make([]corev1.Pod, len(pods))
	rewritten := map[string]bool{}
	for i := range pods {
		p := pods[i].DeepCopy()
		p.Namespace = openNamespace
		got, err := cs.CoreV1().Pods(openNamespace).Create(ctx, p, dryRun)
		if err != nil {
			t.Fatalf("pod %s (%s) is invalid, not a Pod Security case: %v", p.Name, p.Annotations[podgen.VariantsAnnotation], err)
		}
		asStored[i] = *got
		if pods[i].Annotations[podgen.RewrittenAnnotation] != "" && !equality.Semantic.DeepEqual(procMounts(&pods[i]), procMounts(got)) {
			rewritten[p.Name] = true
		}
	}

	type verdict struct {
		admitted bool
		message  string
	}
	server := map[string]verdict{}
	for _, ns := range oracleNamespaces {
		for i := range pods {
			p := pods[i].DeepCopy()
			p.Namespace = ns.name
			_, err := cs.CoreV1().Pods(ns.name).Create(ctx, p, dryRun)
			key := ns.name + "/" + p.Name
			switch {
			case err == nil:
				server[key] = verdict{admitted: true}
			case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "violates PodSecurity"):
				_, msg, _ := strings.Cut(err.Error(), "is forbidden: ")
				server[key] = verdict{message: msg}
			default:
				t.Fatalf("create %s (%s): not a Pod Security refusal: %v", key, p.Annotations[podgen.VariantsAnnotation], err)
			}
			snap.Pods = append(snap.Pods, *p)
			s := asStored[i].DeepCopy()
			s.Namespace = ns.name
			stored.Pods = append(stored.Pods, *s)
		}
	}

	check := func(name string, snap *snapshot.Snapshot, exactMessage bool) {
		ten, err := tenancy.Resolve(snap, tenancy.Config{})
		if err != nil {
			t.Fatal(err)
		}
		r := node.Analyze(snap, ten)
		compared, refused, mismatches, skipped := 0, 0, 0, 0
		for i := range r.Pods {
			pf := &r.Pods[i]
			key := pf.Namespace + "/" + pf.Ref.Name
			want := server[key]
			if !exactMessage && rewritten[pf.Ref.Name] {
				skipped++ // the server judges another pod than the one written
				continue
			}
			compared++
			if !want.admitted {
				refused++
			}
			got := verdict{admitted: pf.Verdict.Admitted(), message: pf.Verdict.Message()}
			bad := got.admitted != want.admitted
			if exactMessage && got.message != want.message {
				bad = true
			}
			if bad {
				mismatches++
				t.Errorf("%s: %s (%s):\n  server:   admitted=%v %s\n  bulkhead: admitted=%v %s",
					name, key, snap.Pods[i].Annotations[podgen.VariantsAnnotation], want.admitted, want.message, got.admitted, got.message)
			}
		}
		// node.Refused lists exactly the pods the server refuses, at
		// each namespace's level and version.
		listed := map[string]bool{}
		for _, ns := range node.Refused(snap) {
			for _, pod := range ns.Refused {
				listed[ns.Namespace+"/"+pod] = true
			}
		}
		for i := range snap.Pods {
			p := &snap.Pods[i]
			key := p.Namespace + "/" + p.Name
			want, known := server[key]
			if !known || (!exactMessage && rewritten[p.Name]) {
				continue
			}
			if listed[key] == want.admitted {
				t.Errorf("%s: %s: node.Refused lists it: %v, the server refuses it: %v", name, key, listed[key], !want.admitted)
			}
		}
		t.Logf("%s: %d pod creations compared (%d refused by the server, %d skipped), %d mismatches", name, compared, refused, skipped, mismatches)
		if compared < 200*len(oracleNamespaces) || refused == 0 || refused == compared {
			t.Errorf("%s: %d compared, %d refused: the oracle did not exercise both verdicts", name, compared, refused)
		}
	}
	check("as written", snap, false)
	check("as stored", stored, true)

	// Every Pod Security check refused some pod in the API server: the
	// generated set covers them all (procMount aside: the server rewrites
	// Unmasked, so its failing variant never reaches the check).
	covered := map[policy.CheckID]bool{}
	for i := range stored.Pods {
		p := &stored.Pods[i]
		if server[p.Namespace+"/"+p.Name].admitted {
			continue
		}
		ns := stored.Namespace(p.Namespace)
		level, _ := psaapi.ParseLevel(ns.Labels[psaapi.EnforceLevelLabel])
		version, _ := psaapi.ParseVersion(ns.Labels[psaapi.EnforceVersionLabel])
		for _, c := range policy.DefaultChecks() {
			if c.Level == psaapi.LevelRestricted && level != psaapi.LevelRestricted {
				continue
			}
			var fn policy.CheckPodFn
			for _, v := range c.Versions {
				if !version.Older(v.MinimumVersion) {
					fn = v.CheckPod
				}
			}
			if fn != nil && !fn(&p.ObjectMeta, &p.Spec).Allowed {
				covered[c.ID] = true
			}
		}
	}
	for _, c := range policy.DefaultChecks() {
		if !covered[c.ID] && c.ID != "procMount" {
			t.Errorf("no pod the server refused fails check %s", c.ID)
		}
	}
	t.Logf("checks that refused pods in the server: %d of %d", len(covered), len(policy.DefaultChecks()))
}

// procMounts lists the procMount of every container of a pod.
func procMounts(p *corev1.Pod) []string {
	var out []string
	for _, c := range append(append([]corev1.Container(nil), p.Spec.InitContainers...), p.Spec.Containers...) {
		v := ""
		if c.SecurityContext != nil && c.SecurityContext.ProcMount != nil {
			v = string(*c.SecurityContext.ProcMount)
		}
		if v == string(corev1.DefaultProcMount) {
			v = "" // the server's default
		}
		out = append(out, v)
	}
	return out
}
