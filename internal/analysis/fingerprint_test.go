package analysis_test

import (
	"io/fs"
	"maps"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// unrelated adds a tenant with a pod, and a second reader of pods bound
// cluster-wide: a new finding that changes none of the demo's.
const unrelated = `
apiVersion: v1
kind: Namespace
metadata:
  name: aaa-new
---
apiVersion: v1
kind: Pod
metadata:
  name: aaa
  namespace: aaa-new
spec:
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: eve-reads-pods
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: pod-reader
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: eve
`

// auditFS audits the demo cluster's manifests plus extra ones.
func auditFS(t *testing.T, extra string) *analysis.Report {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(examples.SeedCluster, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(examples.SeedCluster, path)
		m[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		m["seed-cluster/99-extra.yaml"] = &fstest.MapFile{Data: []byte(extra)}
	}
	snap, err := load.FS(m, "test")
	if err != nil {
		t.Fatal(err)
	}
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return analysis.Run(analysis.NewFacts(snap, ten), analysis.Engines(), analysis.Options{})
}

func fingerprints(r *analysis.Report) map[string]string {
	out := map[string]string{}
	for _, f := range r.Findings {
		out[f.Fingerprint] = f.ID + " " + f.Reason
	}
	return out
}

// TestFingerprintSurvivesUnrelatedChanges: a new tenant and a new finding
// leave the fingerprints of the demo's findings as they were.
func TestFingerprintSurvivesUnrelatedChanges(t *testing.T) {
	before := auditFS(t, "")
	after := auditFS(t, unrelated)
	was := fingerprints(before)
	if len(was) != len(before.Findings) {
		t.Fatalf("%d findings share %d fingerprints", len(before.Findings), len(was))
	}
	now := fingerprints(after)
	if len(now) != len(after.Findings) {
		t.Fatalf("%d findings share %d fingerprints", len(after.Findings), len(now))
	}
	for fp, what := range was {
		if fp == "" {
			t.Errorf("no fingerprint: %s", what)
		}
		if _, ok := now[fp]; !ok {
			t.Errorf("fingerprint of %q changed with an unrelated tenant and finding", what)
		}
	}
	eve := false
	for fp, what := range now {
		if _, ok := was[fp]; !ok && what[:len("BH-API-002")] == "BH-API-002" {
			eve = true
		}
	}
	if !eve {
		t.Error("the new BH-API-002 finding of User/eve has no fingerprint of its own")
	}
}

func TestFingerprint(t *testing.T) {
	base := finding.Finding{
		ID: "BH-NET-006", Severity: finding.High, Category: finding.Network,
		SourceTenant: "a", TargetTenant: "cluster",
		Reason:   "pods of namespace a can reach the cloud metadata service",
		Subjects: []finding.Ref{{Kind: "Pod", Namespace: "a", Name: "p"}},
		Objects:  []finding.Ref{{Kind: "NetworkPolicy", Namespace: "a", Name: "x"}, {Kind: "Namespace", Name: "a"}},
		Witness:  []finding.Step{{Object: finding.Ref{Kind: "Pod", Namespace: "a", Name: "p"}, Fact: "egress: not isolated"}},
	}
	want := analysis.Fingerprint(&base)
	for _, tc := range []struct {
		name   string
		change func(*finding.Finding)
		same   bool
	}{
		{"wording", func(f *finding.Finding) { f.Reason, f.Detail, f.Remediation = "other words", "more", "fix it" }, true},
		{"severity", func(f *finding.Finding) { f.Severity = finding.Low }, true},
		{"witness", func(f *finding.Finding) { f.Witness = nil }, true},
		{"order of objects", func(f *finding.Finding) { f.Objects[0], f.Objects[1] = f.Objects[1], f.Objects[0] }, true},
		{"example subject of every tenant", func(f *finding.Finding) {
			f.SourceTenant = "*"
			g := *f
			g.Subjects = []finding.Ref{{Kind: "Pod", Namespace: "b", Name: "q"}}
			if analysis.Fingerprint(f) != analysis.Fingerprint(&g) {
				t.Error("the example pod of source * counts")
			}
		}, false},
		{"other object", func(f *finding.Finding) { f.Objects[0].Name = "y" }, false},
		{"other subject", func(f *finding.Finding) { f.Subjects[0].Namespace = "b" }, false},
		{"other check", func(f *finding.Finding) { f.ID = "BH-NET-001" }, false},
		{"other target", func(f *finding.Finding) { f.TargetTenant = "b" }, false},
		{"object becomes subject", func(f *finding.Finding) {
			f.Subjects, f.Objects = f.Objects[1:], append(f.Objects[:1:1], f.Subjects...)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := base
			f.Subjects = append([]finding.Ref(nil), base.Subjects...)
			f.Objects = append([]finding.Ref(nil), base.Objects...)
			tc.change(&f)
			if got := analysis.Fingerprint(&f); (got == want) != tc.same {
				t.Errorf("fingerprint %s, base %s; want same=%v", got, want, tc.same)
			}
		})
	}
}

// TestFingerprintExamples: the refs a check picks as an example (a pod pair
// of two tenants and the rules between them, one pod of a namespace) do not
// make the finding another; the tenants, the namespace and the objects at
// fault do.
func TestFingerprintExamples(t *testing.T) {
	pod := func(ns, name string) finding.Ref { return finding.Ref{Kind: "Pod", Namespace: ns, Name: name} }
	policy := func(ns, name string) finding.Ref {
		return finding.Ref{Kind: "NetworkPolicy", Namespace: ns, Name: name}
	}
	cross := finding.Finding{ID: "BH-NET-001", SourceTenant: "a", TargetTenant: "b",
		Subjects: []finding.Ref{pod("a", "p")}, Objects: []finding.Ref{pod("b", "q"), policy("b", "allow")}}
	metadata := finding.Finding{ID: "BH-NET-006", SourceTenant: "a", TargetTenant: "cluster",
		Subjects: []finding.Ref{pod("a", "p")}, Objects: []finding.Ref{policy("a", "egress")}}
	hostNet := finding.Finding{ID: "BH-NET-008", SourceTenant: "a",
		Subjects: []finding.Ref{pod("a", "p")}}
	for _, tc := range []struct {
		name   string
		base   finding.Finding
		change func(*finding.Finding)
		same   bool
	}{
		{"cross-tenant: other example pods", cross, func(f *finding.Finding) {
			f.Subjects, f.Objects[0] = []finding.Ref{pod("a2", "r")}, pod("b", "s")
		}, true},
		{"cross-tenant: other rules of the example", cross, func(f *finding.Finding) { f.Objects = f.Objects[:1] }, true},
		{"cross-tenant: other source", cross, func(f *finding.Finding) { f.SourceTenant = "c" }, false},
		{"cross-tenant: other target", cross, func(f *finding.Finding) { f.TargetTenant = "c" }, false},
		{"metadata: other pod of the namespace", metadata, func(f *finding.Finding) { f.Subjects[0].Name = "other" }, true},
		{"metadata: pod of another namespace", metadata, func(f *finding.Finding) { f.Subjects[0].Namespace = "a2" }, false},
		{"metadata: other policy at fault", metadata, func(f *finding.Finding) { f.Objects[0].Name = "wide" }, false},
		{"host network: the pod is the finding", hostNet, func(f *finding.Finding) { f.Subjects[0].Name = "other" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.base
			f.Subjects = append([]finding.Ref(nil), tc.base.Subjects...)
			f.Objects = append([]finding.Ref(nil), tc.base.Objects...)
			tc.change(&f)
			want := analysis.Fingerprint(&tc.base)
			if got := analysis.Fingerprint(&f); (got == want) != tc.same {
				t.Errorf("fingerprint %s, base %s; want same=%v", got, want, tc.same)
			}
		})
	}
}

// livePod is a running privileged pod of Deployment web, through its
// ReplicaSet web-HASH, named web-HASH-SUFFIX.
func livePod(hash, suffix string) string {
	return `
apiVersion: v1
kind: Namespace
metadata:
  name: zz-live
---
apiVersion: v1
kind: Pod
metadata:
  name: web-` + hash + `-` + suffix + `
  namespace: zz-live
  labels: {app: web, pod-template-hash: "` + hash + `"}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-` + hash + `, uid: u1, controller: true}
spec:
  nodeName: node-1
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext: {privileged: true}
status:
  phase: Running
  podIP: 10.244.1.7
`
}

// deployment is Deployment web of zz-live as a manifest, no pod of it
// running: the analysis sees its representative pod.
const deployment = `
apiVersion: v1
kind: Namespace
metadata:
  name: zz-live
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: zz-live
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10
        securityContext: {privileged: true}
`

// TestFingerprintOutlivesPods: the findings about a Deployment's running
// pod keep their fingerprints when the pod is restarted (another name),
// when a rollout replaces it (another ReplicaSet), when it moves to
// another node, and between the
// Deployment's manifest and the cluster it was applied to, so that a
// baseline of a live cluster does not fail on a restart.
func TestFingerprintOutlivesPods(t *testing.T) {
	of := func(r *analysis.Report) map[string]string {
		out := map[string]string{}
		for _, f := range r.Findings {
			if f.SourceTenant == "zz-live" {
				out[f.ID] = f.Fingerprint
			}
		}
		return out
	}
	want := of(auditFS(t, livePod("7d9f8c6b5", "x7k2p")))
	if want["BH-NODE-001"] == "" {
		t.Fatalf("no BH-NODE-001 finding of the live pod: %v", want)
	}
	for name, extra := range map[string]string{
		"restarted":             livePod("7d9f8c6b5", "q9w8z"),
		"rolled out":            livePod("5c4b3a291", "a1b2c"),
		"rescheduled":           strings.Replace(livePod("7d9f8c6b5", "m3n4p"), "nodeName: node-1", "nodeName: node-2", 1),
		"as a manifest, no pod": deployment,
	} {
		t.Run(name, func(t *testing.T) {
			got := of(auditFS(t, extra))
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("fingerprints by check (-live pod +%s):\n%s", name, d)
			}
		})
	}
}

// cronPod is a running privileged pod of the Job the CronJob backup made
// for one run, with the CronJob's manifest beside it.
func cronPod(run string) string {
	return `
apiVersion: v1
kind: Namespace
metadata:
  name: zz-cron
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
  namespace: zz-cron
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: app
            image: registry.k8s.io/pause:3.10
            securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata:
  name: backup-` + run + `-abcde
  namespace: zz-cron
  ownerReferences:
  - {apiVersion: batch/v1, kind: Job, name: backup-` + run + `, uid: u1, controller: true}
spec:
  nodeName: node-1
  restartPolicy: OnFailure
  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    securityContext: {privileged: true}
status:
  phase: Running
`
}

// TestFingerprintCronJobRuns: a CronJob's pods keep their findings'
// fingerprints from one run to the next, its Jobs named anew each time.
func TestFingerprintCronJobRuns(t *testing.T) {
	of := func(r *analysis.Report) map[string]bool {
		out := map[string]bool{}
		for _, f := range r.Findings {
			if f.SourceTenant == "zz-cron" && f.ID == "BH-NODE-001" {
				out[f.Fingerprint] = true
			}
		}
		return out
	}
	first, next := of(auditFS(t, cronPod("29001300"))), of(auditFS(t, cronPod("29001360")))
	if len(first) != 1 || !maps.Equal(first, next) {
		t.Errorf("BH-NODE-001 fingerprints, one run %v, the next %v; want one, the same", first, next)
	}
}
