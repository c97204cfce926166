package check

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	cradmission "sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/bulkhead-dev/bulkhead/internal/admission"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cmd/serve"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// seedChange is the change of the parity test, read as bulkhead check
// reads it: tenants' namespaces, the seed article's busybox pod, a
// RoleBinding letting one tenant into another, a Service with
// externalIPs, a NodePort update of the demo's Service, a harmless
// Deployment and ConfigMap, a privileged kube-system DaemonSet, then
// (a second path) a namespace relabelled into another tenant.
func seedChange(t *testing.T) []admission.Change {
	t.Helper()
	change, unknown, err := readChange([]string{"testdata/change", "testdata/relabel.yaml"}, "")
	if err != nil || len(unknown) > 0 {
		t.Fatalf("read the change: %v (unknown kinds %v)", err, unknown)
	}
	return change
}

// seedAttacks are the objects of the change the webhook denies with its
// default configuration.
var seedAttacks = []string{"Pod team-a/busybox", "RoleBinding team-b/let-a-in", "Service team-b/mitm", "Namespace team-a"}

// demo is the demo cluster as bulkhead check --demo loads it.
func demo(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	src := cli.Source{Demo: true}
	snap, err := src.Snapshot(context.Background(), cli.IOStreams{In: new(bytes.Buffer), Out: io.Discard, ErrOut: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestParity holds bulkhead check to the webhook: the same cluster and
// change, sent to the served webhook's Handler as the API server would
// send them (an AdmissionReview of the object as it would be stored, the
// stored one as the old object of an update, each admitted object stored
// and delivered to the webhook's informers before the next request), give
// the same verdicts, messages, warnings and audit annotations as Judge.
// The webhook's answers are pinned in testdata/parity-*.txt.
func TestParity(t *testing.T) {
	tenants, err := tenancy.LoadFile("testdata/tenants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tc := tenancy.Config{File: tenants}
	for _, c := range []struct {
		name   string
		config string
		user   string
		denied []string
	}{
		{"defaults", "", "alice", seedAttacks},
		{"modes", "testdata/config-modes.yaml", "alice", []string{"RoleBinding team-b/let-a-in", "Service network/nginx", "Namespace team-a"}},
		{"dryrun", "testdata/config-dryrun.yaml", "alice", nil},
		{"exempt", "testdata/config-exempt.yaml", "ci-deployer", nil},
		// A service account creates namespaces of its own tenant only; what
		// the change puts in the namespaces refused has no tenant.
		{"service account", "", "system:serviceaccount:team-a:default", []string{"Namespace team-a", "Namespace team-b", "Pod team-a/busybox",
			"RoleBinding team-b/let-a-in", "Service team-b/mitm", "Deployment team-a/web", "Namespace team-a"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := loadConfig(c.config)
			if err != nil {
				t.Fatal(err)
			}
			user := admission.User{Name: c.user, Groups: []string{"system:authenticated"}}
			change := seedChange(t)
			webhook := replay(t, snapshot.NewStore(demo(t)), change, tc, cfg, user)
			offline, err := admission.Replay(snapshot.NewStore(demo(t)), change, admission.ReplayOptions{Tenancy: tc, Config: cfg, User: user})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(webhook, offline); d != "" {
				t.Errorf("check differs from the webhook (-webhook +check):\n%s", d)
			}
			var denied []string
			for _, r := range webhook {
				if r.Verdict == admission.Denied {
					denied = append(denied, r.Object())
				}
			}
			if d := cmp.Diff(c.denied, denied); d != "" {
				t.Errorf("denied (-want +got):\n%s", d)
			}
			var out bytes.Buffer
			if err := render.CheckAs(&out, render.FormatText, admission.NewReplayReport("demo (examples/seed-cluster)", cfg.DryRun, webhook), render.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "parity-"+strings.ReplaceAll(c.name, " ", "-")+".txt"), out.Bytes())
		})
	}
}

// replay sends the change to the webhook's Handler, with api as the API
// server's storage: its objects are what the informers list first.
func replay(t *testing.T, api *snapshot.Store, change []admission.Change, tc tenancy.Config, cfg admission.Config, user admission.User) []admission.Result {
	t.Helper()
	webhook := serve.NewReplay(tc, cfg, logr.Discard())
	for _, o := range api.View().Objects() {
		webhook.Observe(o.Obj)
	}
	out := make([]admission.Result, 0, len(change))
	for i, c := range change {
		next := api.Clone()
		key, replaced, err := next.ServerSideApply(c.Object.Obj)
		if err != nil {
			t.Fatal(err)
		}
		obj, _ := next.Get(key)
		var old runtime.Object
		if replaced {
			old, _ = api.Get(key)
		}
		gvk := admission.KindNamed(c.Object.Kind)
		req := admissionv1.AdmissionRequest{
			UID:       types.UID(fmt.Sprint(i)),
			Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
			Operation: admissionv1.Create,
			Namespace: key.Namespace,
			Name:      key.Name,
			Object:    raw(t, obj, gvk.GroupVersion().String(), gvk.Kind),
			UserInfo:  authenticationv1.UserInfo{Username: user.Name, Groups: user.Groups},
		}
		if _, ok := obj.(*corev1.Namespace); ok {
			req.Namespace = key.Name
		}
		if old != nil {
			req.Operation = admissionv1.Update
			req.OldObject = raw(t, old, gvk.GroupVersion().String(), gvk.Kind)
		}
		resp := webhook.Handler.Handle(context.Background(), cradmission.Request{AdmissionRequest: req})
		out = append(out, answer(resp, c, key, admission.Operation(req.Operation)))
		if resp.Allowed {
			api = next
			webhook.Observe(obj)
		}
	}
	return out
}

// raw is an object as the API server sends it in a review: JSON with its
// apiVersion and kind.
func raw(t *testing.T, obj runtime.Object, apiVersion, kind string) runtime.RawExtension {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["apiVersion"], m["kind"] = apiVersion, kind
	if data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	return runtime.RawExtension{Raw: data}
}

// answer is the webhook's response as a Result of check.
func answer(resp cradmission.Response, c admission.Change, key snapshot.Key, op admission.Operation) admission.Result {
	gvk := admission.KindNamed(c.Object.Kind)
	r := admission.Result{
		Operation: op, Kind: gvk.Kind, Namespace: key.Namespace, Name: key.Name,
		Origin:   fmt.Sprintf("%s:%d", c.Origin.File, c.Origin.Line),
		Judged:   admission.Judged(gvk),
		Warnings: resp.Warnings,
	}
	if !resp.Allowed && resp.Result != nil {
		r.Message = resp.Result.Message
	}
	for _, a := range resp.AuditAnnotations {
		r.Audit = append(r.Audit, a)
	}
	sort.Strings(r.Audit)
	r.Verdict = admission.VerdictOf(resp.Allowed, len(resp.Warnings) > 0)
	return r
}
