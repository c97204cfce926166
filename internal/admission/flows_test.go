package admission

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

// TestHardenFlowsAdmitted: the policies harden --allow-flows writes for a
// flow between tenants are denied (BH-NET-001) when a tenant applies
// them, and admitted as docs/webhook.md ("Flows between tenants kept on
// purpose") says: applied by the group its exemption snippet names, or
// with its warn snippet (with a warning). The snippets are read from the
// docs, so the docs cannot drift from what the webhook does.
func TestHardenFlowsAdmitted(t *testing.T) {
	exempt, warn := flowSnippets(t)
	base := grantsFixture(t, Config{})
	plan, err := harden.Build(base.snap, base.ten, harden.Options{AllowFlows: []harden.Flow{
		{Name: "scrape", From: harden.Peer{Namespace: "b-app"}, To: harden.Peer{Namespace: "a-web"}, Ports: []string{"TCP/8080"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var flows []*networkingv1.NetworkPolicy
	for _, o := range plan.Objects {
		if np, ok := o.Obj.(*networkingv1.NetworkPolicy); ok && strings.HasPrefix(np.Name, "bulkhead-flow-") {
			flows = append(flows, np)
		}
	}
	if len(flows) != 2 {
		t.Fatalf("harden wrote %d flow policies, want the egress and the ingress one", len(flows))
	}
	operator := User{Name: "alice", Groups: []string{"platform-operators", "system:authenticated"}}
	tenant := User{Name: "bob", Groups: []string{"system:authenticated"}}
	cases := []struct {
		name    string
		cfg     Config
		user    User
		allowed bool
		warned  bool
	}{
		{"a tenant, by default", Config{}, tenant, false, false},
		{"a tenant, under the exemption", exempt, tenant, false, false},
		{"an exempt operator", exempt, operator, true, false},
		{"a tenant, the rule in warn mode", warn, tenant, true, true},
	}
	for _, c := range cases {
		a := grantsFixture(t, c.cfg)
		for _, np := range flows {
			t.Run(c.name+"/"+np.Name, func(t *testing.T) {
				req := request(Create, np, nil)
				req.User = c.user
				d := a.Decide(req)
				if d.Allowed != c.allowed {
					t.Errorf("allowed %v, want %v: %s", d.Allowed, c.allowed, d.Message)
				}
				if !d.Allowed && !strings.Contains(d.Message, "BH-NET-001") {
					t.Errorf("denied, but not by BH-NET-001: %s", d.Message)
				}
				warned := slices.ContainsFunc(d.Warnings, func(w string) bool { return strings.Contains(w, "BH-NET-001") })
				if warned != c.warned {
					t.Errorf("warned %v, want %v: %v", warned, c.warned, d.Warnings)
				}
			})
		}
	}
}

// flowSnippets reads the two configuration snippets of docs/webhook.md's
// section on flows between tenants: the exemption, then the warn mode.
func flowSnippets(t *testing.T) (exempt, warn Config) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "webhook.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "### Flows between tenants kept on purpose\n")
	if !ok {
		t.Fatal("docs/webhook.md has no section on flows between tenants")
	}
	section, _, _ = strings.Cut(section, "\n#")
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)\n *```").FindAllStringSubmatch(section, -1)
	if len(blocks) != 2 {
		t.Fatalf("%d YAML snippets in the section on flows, want 2", len(blocks))
	}
	var cfgs [2]Config
	for i, b := range blocks {
		lines := strings.Split(b[1], "\n")
		indent := len(lines[0]) - len(strings.TrimLeft(lines[0], " "))
		for j := range lines {
			lines[j] = strings.TrimPrefix(lines[j], strings.Repeat(" ", indent))
		}
		cfg, err := LoadConfig([]byte(strings.Join(lines, "\n")))
		if err != nil {
			t.Fatalf("snippet %d of the section on flows: %v\n%s", i+1, err, b[1])
		}
		cfgs[i] = cfg
	}
	return cfgs[0], cfgs[1]
}
