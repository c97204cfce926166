package corpus

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/cli/clitest"
	"github.com/bulkhead-dev/bulkhead/internal/cmd/check"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
)

// installs are the upstream manifests installed, through the webhook's
// decisions (bulkhead check), into a cluster that holds only the
// namespaces every cluster has and the corpus' tenants, as their READMEs
// install them, with the shared services declared platform as a platform
// team would declare them.
var installs = []struct {
	name    string
	cluster []string
	change  []string
	args    []string
}{
	{"platform", []string{"install-base.yaml", "platform/tenants.yaml"}, []string{"platform/ingress-nginx.yaml", "platform/kube-prometheus.yaml"},
		[]string{"--platform-namespaces", "monitoring,ingress-nginx"}},
	{"argocd", []string{"install-base.yaml", "argocd/tenants.yaml"}, []string{"argocd/install.yaml"}, []string{"-n", "argocd", "--platform-namespaces", "argocd"}},
	{"boutique", []string{"install-base.yaml", "boutique/tenants.yaml"}, []string{"boutique/kubernetes-manifests.yaml", "boutique/network-policies.yaml"}, nil},
	// Capsule's chart creates capsule-system; its RBAC manifests do not.
	{"capsule", []string{"install-base.yaml", "capsule/tenants.yaml", "install-capsule-system.yaml"}, []string{"capsule/capsule-rbac.yaml", "capsule/playground-rbac.yaml"},
		[]string{"--tenant-label", "capsule.clastix.io/tenant", "--platform-namespaces", "capsule-system"}},
	// kubernetes-dashboard as its README installs it, and the admin-user
	// its docs create; cert-manager as its chart installs it, declared
	// platform.
	{"dashboard", []string{"install-base.yaml", "dashboard/tenants.yaml"}, []string{"dashboard/recommended.yaml", "dashboard/admin-user.yaml"}, nil},
	{"certmanager", []string{"install-base.yaml", "dashboard/tenants.yaml"}, []string{"certmanager/cert-manager.yaml"}, []string{"--platform-namespaces", "cert-manager"}},
	// The recipes' workloads define their namespaces, default included.
	{"recipes", []string{"recipes/workloads.yaml"}, []string{"recipes/recipes.yaml"}, nil},
}

// TestInstallThroughWebhook judges the webhook on software it did not
// write: every object the upstream manifests create, sent as kubectl apply
// would send it, answered as bulkhead serve would answer it. The answers
// are the golden testdata/install-NAME.txt, read and agreed object by
// object: a platform's own grants and node access are its exposure
// (audited, not denied); what is denied opens a tenant to others or gives
// an account not declared platform power over every tenant (Argo CD's and
// Capsule's controllers unless declared; cluster admins' groups, whose
// members the webhook configuration exempts), or, in a namespace walled
// in by a default-deny, lets its pods out to every namespace (Online
// Boutique's egress: {} after its own deny-all).
func TestInstallThroughWebhook(t *testing.T) {
	origin := regexp.MustCompile(`, testdata/[^)]*\)`)
	t.Setenv("COLUMNS", "1000") // an object and each message on one line
	for _, in := range installs {
		t.Run(in.name, func(t *testing.T) {
			var args []string
			for _, f := range in.cluster {
				args = append(args, "-f", filepath.Join("testdata", f))
			}
			for _, f := range in.change {
				args = append(args, "--change", filepath.Join("testdata", f))
			}
			args = append(args, in.args...)
			out, errOut, code := clitest.Run(check.NewCommand, args...)
			if code != 0 && code != 3 {
				t.Fatalf("check %s: exit %d: %s", strings.Join(args, " "), code, errOut)
			}
			// An object admitted with nothing to say is noise here: the
			// golden keeps the others, audited ones included.
			lines := strings.Split(out, "\n")
			var keep []string
			for i, line := range lines {
				if strings.HasPrefix(line, "allowed ") && (i+1 == len(lines) || !strings.HasPrefix(lines[i+1], " ")) {
					continue
				}
				keep = append(keep, origin.ReplaceAllString(line, ")"))
			}
			header := "# bulkhead check's answers, not upstream: " + strings.Join(args, " ") + "\n# (objects admitted with nothing to say left out)\n"
			golden.Check(t, filepath.Join("testdata", "install-"+in.name+".txt"), []byte(header+strings.Join(keep, "\n")))
		})
	}
}
