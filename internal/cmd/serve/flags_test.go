package serve

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestTenancyFlags: the webhook takes every tenancy flag the audit and
// bulkhead check take, with the same meaning, so that it can decide as
// check says it will.
func TestTenancyFlags(t *testing.T) {
	var src cli.Source
	want := pflag.NewFlagSet("tenancy", pflag.ContinueOnError)
	src.AddTenancyFlags(want)
	cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &strings.Builder{}, ErrOut: &strings.Builder{}})
	n := 0
	want.VisitAll(func(f *pflag.Flag) {
		n++
		got := cmd.Flags().Lookup(f.Name)
		if got == nil || got.Usage != f.Usage {
			t.Errorf("serve --%s: %+v, want the audit's flag", f.Name, got)
		}
	})
	if n < 5 {
		t.Fatalf("only %d tenancy flags", n)
	}
	if err := cmd.Flags().Parse([]string{"--platform-namespaces", "ingress-nginx,monitoring-*", "--tenants", "t.yaml"}); err != nil {
		t.Fatal(err)
	}
}

// TestOwnNamespaceIsTheCluster: wherever the webhook is installed, its
// namespace is the cluster tenant's, so that its own account's grants (the
// controller's ClusterRoleBinding) are not judged a tenant's reach.
func TestOwnNamespaceIsTheCluster(t *testing.T) {
	f := &flags{namespace: "security"}
	tc, err := f.tenancyConfig()
	if err != nil {
		t.Fatal(err)
	}
	ten, err := tenancy.Resolve(&snapshot.Snapshot{}, tc)
	if err != nil {
		t.Fatal(err)
	}
	if !ten.IsSystem("security") || ten.IsSystem("team-a") {
		t.Errorf("security system %v, team-a system %v; want the webhook's namespace only", ten.IsSystem("security"), ten.IsSystem("team-a"))
	}
}
