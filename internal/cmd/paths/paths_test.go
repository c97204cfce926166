package paths

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/render"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// TestDefaultSourcesAreTheAudits: without --from, paths covers the sources
// the audit covers: every tenant but the cluster's, and the users and
// groups it follows (bob's cluster-wide pod reading in the demo).
func TestDefaultSourcesAreTheAudits(t *testing.T) {
	var out, errOut bytes.Buffer
	cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs([]string{"--demo", "--max", "0"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("paths --demo: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"User/bob ⇒ Namespace/network", "default ⇒ Pod/network/nginx"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("paths --demo lacks %q:\n%s", want, out.String())
		}
	}
}

// A pair that a finding joins without an attack path (a Service with
// externalIPs intercepts every tenant's traffic to those addresses) is not
// "isolated" for paths when the audit's matrix marks it: paths names the
// finding and answers yes.
const externalIPsCluster = `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: a}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: b}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: b}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Service
metadata: {name: grab, namespace: a}
spec:
  ports: [{port: 443}]
  externalIPs: [203.0.113.10]
`

func TestJoinedWithoutPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte(externalIPsCluster), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs([]string{"-f", file, "--from", "a", "--to", "b"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("paths: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "a → b") || !strings.Contains(out.String(), "BH-NET-") {
		t.Errorf("paths does not name the finding joining a → b:\n%s", out.String())
	}
	cmd = NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs([]string{"-f", file, "--from", "a", "--to", "a"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "same tenant") {
		t.Errorf("--from a --to a: %v, want an error", err)
	}
}

// TestUnknownFromNamesFewTenants: a typo in --from on a cluster of many
// tenants names some of them and says how to see the rest, not a
// thousand names in one line.
func TestUnknownFromNamesFewTenants(t *testing.T) {
	var docs []string
	for i := 0; i < 25; i++ {
		docs = append(docs, "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-"+string(rune('a'+i))+"}")
	}
	file := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(file, []byte(strings.Join(docs, "\n---\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs([]string{"-f", file, "--from", "ns-typo"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	if err == nil {
		t.Fatal("--from ns-typo: no error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "ns-a, ") || strings.Contains(msg, "ns-y") || !strings.Contains(msg, "… 15 more: bulkhead audit lists them") {
		t.Errorf("--from ns-typo: %s", msg)
	}
}

// TestPathsAgreeWithMatrix: for every source tenant of the demo, what
// paths prints toward each tenant — its paths, and the pairs it joins
// beside them — has the worst severity and the layers of the audit's
// matrix cell, so that the two commands never disagree on a pair.
func TestPathsAgreeWithMatrix(t *testing.T) {
	snap, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	report := analysis.Run(analysis.NewFacts(snap, ten), analysis.Engines(), analysis.Options{Matrix: true})
	type verdict struct {
		worst  finding.Severity
		layers []finding.Category
	}
	checked := 0
	for _, tn := range ten.Tenants() {
		if tn.System {
			continue
		}
		var out, errOut bytes.Buffer
		cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		cmd.SetArgs([]string{"--demo", "--from", tn.Name, "--max", "0", "-o", "json"})
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		if err := cmd.Execute(); err != nil {
			var code cli.ExitError
			if !errors.As(err, &code) {
				t.Fatalf("paths --from %s: %v\n%s", tn.Name, err, errOut.String())
			}
		}
		var doc render.PathsDocument
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		got := map[string]*verdict{}
		add := func(to string, sev finding.Severity, layers []finding.Category) {
			v := got[to]
			if v == nil {
				v = &verdict{}
				got[to] = v
			}
			v.worst = max(v.worst, sev)
			for _, l := range layers {
				if !slices.Contains(v.layers, l) {
					v.layers = append(v.layers, l)
				}
			}
		}
		for _, p := range doc.Paths {
			add(p.To, p.Severity, p.Layers)
		}
		for _, c := range doc.Joined {
			add(c.Target, c.Worst, c.Layers)
		}
		for _, c := range report.Isolation.Cells {
			if c.Source != tn.Name || c.Isolated || c.Target == tenancy.Cluster {
				continue
			}
			checked++
			v := got[c.Target]
			if v == nil {
				t.Errorf("%s → %s: the matrix says %s (%v), paths prints nothing", c.Source, c.Target, c.Worst, c.Layers)
				continue
			}
			slices.Sort(v.layers)
			want := slices.Sorted(slices.Values(c.Layers))
			if v.worst != c.Worst || !slices.Equal(v.layers, want) {
				t.Errorf("%s → %s: the matrix says %s %v, paths %s %v", c.Source, c.Target, c.Worst, want, v.worst, v.layers)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d breached pairs checked", checked)
	}
}

// --from is read against the input before the analysis: a name that is no
// tenant and no binding's user is refused, and so is a malformed subject;
// a user some binding names is looked up in the graph (bob holds
// permissions in the demo; carol is named by no binding).
func TestFromIsChecked(t *testing.T) {
	tests := []struct {
		from, want string
	}{
		{"carol", `--from "carol": no tenant of that name, and User/carol holds no permission`},
		{"User:carol", `--from "User:carol": no tenant of that name`},
		{"Robot:x", `unknown subject kind "Robot"`},
		{"ServiceAccount:nons", "a service account is ServiceAccount:NAMESPACE/NAME"},
		{"User:bob", ""},
		{"bob", ""},
		{"default", ""},
	}
	for _, tt := range tests {
		t.Run(tt.from, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			cmd.SetArgs([]string{"--demo", "--from", tt.from})
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			var exit cli.ExitError
			if errors.As(err, &exit) {
				err = nil // an answer (isolated, incomplete), not a refusal
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("--from %s: %v", tt.from, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("--from %s: error %v, want %q", tt.from, err, tt.want)
			}
		})
	}
}
