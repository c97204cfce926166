package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/scalegen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// TestLiveHarden creates the demo and a generated multi-tenant cluster in
// a real API server, runs `harden` against it live, applies every object
// it wrote server-side (the API server must accept each), reads the
// cluster back live and checks that the live audit's matrix is the one
// harden's proof predicted, and the one `audit --with` predicts offline.
func TestLiveHarden(t *testing.T) {
	cfg := testenv.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c, err := client.New(cfg, client.Options{Scheme: load.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	demo, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if _, err := scalegen.Write(&gen, scalegen.Config{Tenants: 2, Seed: 1, Format: scalegen.YAML}); err != nil {
		t.Fatal(err)
	}
	l := load.New("generated", load.Options{})
	l.Bytes("generated.yaml", gen.Bytes())
	generated, _, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, snap := range []*snapshot.Snapshot{demo, generated} {
		for _, o := range snap.Objects() {
			obj := o.Obj.DeepCopyObject().(client.Object)
			obj.SetResourceVersion("")
			if svc, ok := obj.(*corev1.Service); ok && svc.Spec.ClusterIP != corev1.ClusterIPNone {
				// The generator's addresses are not in the test server's
				// service range: let it allocate them.
				svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
			}
			err := c.Create(ctx, obj)
			if meta.IsNoMatchError(err) {
				continue // a CRD's kind (AdminNetworkPolicy) the test server does not serve
			}
			if err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatalf("create %s %s/%s: %v", o.Kind, o.Obj.GetNamespace(), o.Obj.GetName(), err)
			}
		}
	}
	kubeconfig := testenv.Kubeconfig(t, cfg)

	dir := filepath.Join(t.TempDir(), "hardened")
	proofJSON, stderr, code := run(t, "harden", "--kubeconfig", kubeconfig, "--out", dir, "-o", "json", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("harden: exit %d: %s", code, stderr)
	}
	var proof render.HardenDocument
	if err := json.Unmarshal([]byte(proofJSON), &proof); err != nil {
		t.Fatal(err)
	}
	if proof.After == nil || len(proof.Checks.Intra)+len(proof.Checks.DNS) > 0 {
		t.Fatalf("harden's proof has no matrix after, or a broken check: %s", proofJSON)
	}
	before, stderr, code := run(t, "snapshot", "--kubeconfig", kubeconfig)
	if code != 0 {
		t.Fatalf("snapshot: exit %d: %s", code, stderr)
	}
	cluster := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(cluster, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	predicted := auditMatrix(t, "audit", "-f", cluster, "--with", dir, "-o", "json", "--fail-on", "none")

	// Apply what harden wrote, as `kubectl apply --server-side -f DIR`
	// would: every object must be accepted.
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var u unstructured.Unstructured
			if err := dec.Decode(&u.Object); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			if err := c.Patch(ctx, &u, client.Apply, client.FieldOwner("bulkhead-harden-test"), client.ForceOwnership); err != nil {
				t.Errorf("the API server refused %s %s/%s from %s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), filepath.Base(f), err)
			}
			applied++
		}
	}
	if applied == 0 {
		t.Fatalf("harden wrote nothing to apply in %s (%v)", dir, files)
	}
	live := auditMatrix(t, "audit", "--kubeconfig", kubeconfig, "-o", "json", "--fail-on", "none")
	if d := cmp.Diff(cells(proof.After), cells(live)); d != "" {
		t.Errorf("the live matrix after applying harden's %d objects differs from its proof's (-proof +live):\n%s", applied, d)
	}
	if d := cmp.Diff(cells(predicted), cells(live)); d != "" {
		t.Errorf("the live matrix after applying harden's %d objects differs from audit --with's (-predicted +live):\n%s", applied, d)
	}
	if cells(live) == cells(auditMatrix(t, "audit", "-f", cluster, "-o", "json", "--fail-on", "none")) {
		t.Error("applying harden's objects changed no cell of the matrix")
	}
	t.Logf("applied %d objects from %d files", applied, len(files))
}

func auditMatrix(t *testing.T, args ...string) *attackpath.Matrix {
	t.Helper()
	out, stderr, code := run(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	var r analysis.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Isolation == nil {
		t.Fatalf("%v: no matrix", args)
	}
	return r.Isolation
}

// cells lists a matrix's verdicts, one line per pair.
func cells(m *attackpath.Matrix) string {
	var out []string
	for _, c := range m.Cells {
		layers := make([]string, len(c.Layers))
		for i, l := range c.Layers {
			layers[i] = string(l)
		}
		out = append(out, c.Source+" → "+c.Target+": "+c.Worst.String()+" "+strings.Join(layers, "+"))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
