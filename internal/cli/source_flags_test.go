package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

const twoTenants = `
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: v1
kind: Namespace
metadata: {name: sandbox}
`

// parse returns a Source configured by command-line flags, reading
// manifests from a temporary file unless the flags say otherwise.
func parse(t *testing.T, args ...string) *Source {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, []byte(twoTenants), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Source{}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	s.AddFlags(fs)
	if !slices.Contains(args, "--demo") {
		args = append([]string{"-f", path}, args...)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBuiltinRolesFlags: offline input assumes the built-in RBAC policy of
// the chosen version unless told not to.
func TestBuiltinRolesFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		version string // of snap.Assumed; "" for nothing assumed
		err     string
	}{
		{name: "default", version: "v1.32"},
		{name: "explicit version", args: []string{"--kubernetes-version", "1.32.4"}, version: "v1.32"},
		{name: "no built-in roles", args: []string{"--no-builtin-roles"}},
		{name: "version not embedded", args: []string{"--kubernetes-version", "1.29"}, err: `kubernetes version "1.29": no bootstrap RBAC policy embedded for v1.29 (embedded: v1.32)`},
		{name: "demo", args: []string{"--demo"}, version: "v1.32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := parse(t, tc.args...)
			snap, err := s.Snapshot(context.Background(), IOStreams{ErrOut: &bytes.Buffer{}})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if snap.Assumed.Version != tc.version {
				t.Errorf("Assumed = %+v, want version %q", snap.Assumed, tc.version)
			}
			if tc.version != "" && (snap.Assumed.Roles < 50 || snap.Assumed.Bindings < 40) {
				t.Errorf("Assumed = %+v: too few built-in roles", snap.Assumed)
			}
			if got := hasClusterRole(snap, "cluster-admin"); got != (tc.version != "") {
				t.Errorf("ClusterRole cluster-admin present: %v", got)
			}
		})
	}
}

func hasClusterRole(snap *snapshot.Snapshot, name string) bool {
	for _, cr := range snap.ClusterRoles {
		if cr.Name == name {
			return true
		}
	}
	return false
}

// TestTenancyFlags: --system-namespaces adds to the defaults,
// --replace-system-namespaces replaces them, --platform-namespaces makes the
// platform tenant, and tenancy warnings reach stderr.
func TestTenancyFlags(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		want   map[string][]string
		stderr string
	}{
		{"defaults", nil, map[string][]string{
			"cluster": {"kube-public", "kube-system"}, "monitoring": {"monitoring"}, "sandbox": {"sandbox"}, "team-a": {"team-a"},
		}, ""},
		{"system added", []string{"--system-namespaces", "sandbox"}, map[string][]string{
			"cluster": {"kube-public", "kube-system", "sandbox"}, "monitoring": {"monitoring"}, "team-a": {"team-a"},
		}, ""},
		{"system replaced", []string{"--replace-system-namespaces", "sandbox"}, map[string][]string{
			"cluster": {"sandbox"}, "kube-public": {"kube-public"}, "kube-system": {"kube-system"}, "monitoring": {"monitoring"}, "team-a": {"team-a"},
		}, ""},
		{"platform", []string{"--platform-namespaces", "monitoring,ingress-*"}, map[string][]string{
			"cluster": {"kube-public", "kube-system"}, "platform": {"monitoring"}, "sandbox": {"sandbox"}, "team-a": {"team-a"},
		}, `bulkhead: warning: platform namespace "ingress-*" matches no namespace` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := parse(t, tc.args...)
			var errOut bytes.Buffer
			_, ten, err := s.Load(context.Background(), IOStreams{ErrOut: &errOut})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, x := range ten.Tenants() {
				got[x.Name] = x.Namespaces
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("tenants (-want +got):\n%s", d)
			}
			if errOut.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", errOut.String(), tc.stderr)
			}
		})
	}
}

// TestLiveSourceAssumesNothing: a live cluster serves its own bootstrap
// policy, so nothing is assumed, whatever the flags.
func TestLiveSourceAssumesNothing(t *testing.T) {
	cfg := testenv.Start(t)
	s := &Source{Kubeconfig: testenv.Kubeconfig(t, cfg)}
	snap, err := s.Snapshot(context.Background(), IOStreams{ErrOut: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Assumed != (snapshot.Assumed{}) {
		t.Errorf("a live snapshot assumed %+v", snap.Assumed)
	}
	if !hasClusterRole(snap, "cluster-admin") {
		t.Error("the live server's cluster-admin was not read")
	}
}
