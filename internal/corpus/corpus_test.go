package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/app"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

// cluster is one directory of testdata audited with extra CLI arguments.
type cluster struct {
	dir  string
	args []string
}

// clusters are the audits the table refers to, by name.
var clusters = map[string]cluster{
	"platform": {dir: "platform"},
	// The same cluster with the monitoring and ingress controllers declared
	// platform namespaces (issue 9, point 10).
	"platform+flag": {dir: "platform", args: []string{"--platform-namespaces", "monitoring,ingress-nginx"}},
	// Argo CD's install.yaml has no namespaces: its docs apply it with -n argocd.
	"argocd": {dir: "argocd", args: []string{"-n", "argocd"}},
	// Without -n, namespace-less objects belong to "default", as with kubectl.
	"argocd/no-n": {dir: "argocd"},
	// As installed in a cluster: beside the namespaces every cluster has
	// (an empty default among them), Argo CD declared platform.
	"argocd+base": {dir: "argocd", args: []string{"-f", filepath.Join("testdata", "install-base.yaml"), "-n", "argocd", "--platform-namespaces", "argocd"}},
	// Online Boutique's README applies it to the default namespace: no -n.
	"boutique": {dir: "boutique"},
	"recipes":  {dir: "recipes"},
	"capsule":  {dir: "capsule", args: []string{"--tenant-label", "capsule.clastix.io/tenant"}},
	// kubernetes-dashboard v2.7.0 as its README installs it, with the
	// admin-user its docs create, beside the namespaces every cluster has.
	"dashboard": {dir: "dashboard", args: []string{"-f", filepath.Join("testdata", "install-base.yaml")}},
	// cert-manager's chart as `helm install` renders it, beside the
	// dashboard cluster's tenants; then declared platform, as a platform
	// team runs it.
	"certmanager":          {dir: "certmanager", args: []string{"-f", filepath.Join("testdata", "install-base.yaml"), "-f", filepath.Join("testdata", "dashboard", "tenants.yaml")}},
	"certmanager+platform": {dir: "certmanager", args: []string{"-f", filepath.Join("testdata", "install-base.yaml"), "-f", filepath.Join("testdata", "dashboard", "tenants.yaml"), "--platform-namespaces", "cert-manager"}},
}

// row is one expectation. check is a finding ID (a glob, e.g. "BH-NODE-*")
// or one of:
//
//	pair        target "SRC>DST" tenants; want isolated, breached, layer:L, no-layer:L or a severity
//	tenant      target a namespace; want the name of its tenant
//	admin-path  target a tenant; want present, absent or a severity: its path to cluster-admin
//	flow        target "NS/POD>NS/POD[:PROTO/PORT]"; want allowed or denied (bulkhead reach)
//	flows       target "NS>NS"; want how many ordered pairs of distinct pods may connect
//
// For a finding ID, target is a glob over the "Kind/namespace/name" of the
// finding's subjects and objects, or "SRC>DST" tenants ("*" in a finding
// stands for every tenant); want is present, absent, a severity (the worst of
// the matching findings), max:SEV (absent or at most SEV) or min:SEV.
//
// A row with pending states what bulkhead owes but does not do yet: it must
// fail today; once it passes, the test fails until pending is dropped.
type row struct {
	cluster, check, target, want string
	why                          string
	pending                      string
}

func (r row) name() string {
	return strings.NewReplacer("/", "_", " ", "_").Replace(r.cluster + ":" + r.check + ":" + r.target + "=" + r.want)
}

// Reasons shared by pending rows: the open points of issues 9 and 10.
const ()

func TestCorpus(t *testing.T) {
	runs := newRunner()
	for _, r := range table {
		t.Run(r.name(), func(t *testing.T) {
			got, ok := evaluate(runs, r)
			switch {
			case r.pending == "" && !ok:
				t.Errorf("want %s, got %s (%s)", r.want, got, r.why)
			case r.pending != "" && ok:
				t.Errorf("passes now (got %s): drop pending %q", got, r.pending)
			case r.pending != "":
				t.Logf("pending (%s): want %s, got %s", r.pending, r.want, got)
			default:
				t.Logf("got %s", got)
			}
		})
	}
}

// TestTable keeps the table well-formed: known clusters and checks, wants
// that parse, a reason for each row, no duplicates.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range table {
		if _, ok := clusters[r.cluster]; !ok {
			t.Errorf("%s: unknown cluster", r.name())
		}
		if r.why == "" {
			t.Errorf("%s: no why", r.name())
		}
		if seen[r.name()] {
			t.Errorf("%s: duplicate row", r.name())
		}
		seen[r.name()] = true
		if err := validWant(r); err != nil {
			t.Errorf("%s: %v", r.name(), err)
		}
	}
}

// TestCorpusFiles checks the provenance header of every file and the size
// of the corpus.
func TestCorpusFiles(t *testing.T) {
	total := int64(0)
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		total += int64(len(b))
		text := string(b)
		if !strings.HasPrefix(text, "#") {
			t.Errorf("%s: does not begin with a comment naming where it comes from", path)
		}
		if strings.Contains(text, "# Source: https://github.com/") {
			for _, key := range []string{"# Commit: ", "# Licence: Apache-2.0", "# Removed: "} {
				if !strings.Contains(text, key) {
					t.Errorf("%s: upstream file without %q", path, key)
				}
			}
		} else if !strings.Contains(text, "not upstream") {
			t.Errorf("%s: neither names its upstream source nor says it is not upstream", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 1500*1024 {
		t.Errorf("corpus is %d bytes, keep it under 1.5 MB", total)
	}
}

// runner runs the CLI once per cluster and argument list.
type runner struct {
	mu   sync.Mutex
	done map[string]result
}

type result struct {
	out  string
	code int
	err  error
}

func newRunner() *runner { return &runner{done: map[string]result{}} }

// run runs bulkhead with args and the cluster's -f and extra arguments.
func (rn *runner) run(name string, args ...string) result {
	c := clusters[name]
	args = append(append(args, "-f", filepath.Join("testdata", c.dir)), c.args...)
	key := strings.Join(args, "\x00")
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if r, ok := rn.done[key]; ok {
		return r
	}
	var out, errOut bytes.Buffer
	code := app.Run(context.Background(), args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	r := result{out: out.String(), code: code}
	if code != 0 && code != 4 {
		r.err = fmt.Errorf("bulkhead %s: exit %d: %s", strings.Join(args, " "), code, strings.TrimSpace(errOut.String()))
	}
	rn.done[key] = r
	return r
}

// report is the part of the JSON report the table reads.
type report struct {
	Tenants []struct {
		Name       string   `json:"name"`
		Namespaces []string `json:"namespaces"`
	} `json:"tenants"`
	Isolation *struct {
		Cells []struct {
			Source   string   `json:"source"`
			Target   string   `json:"target"`
			Isolated bool     `json:"isolated"`
			Platform bool     `json:"platform"`
			Layers   []string `json:"layers"`
			Worst    string   `json:"worst"`
		} `json:"cells"`
		AdminPaths []struct {
			From     string `json:"from"`
			Severity string `json:"severity"`
		} `json:"adminPaths"`
	} `json:"isolation"`
	Findings []finding `json:"findings"`
}

type finding struct {
	ID           string `json:"id"`
	Severity     string `json:"severity"`
	SourceTenant string `json:"sourceTenant"`
	TargetTenant string `json:"targetTenant"`
	Subjects     []ref  `json:"subjects"`
	Objects      []ref  `json:"objects"`
}

type ref struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (rn *runner) audit(name string) (*report, error) {
	res := rn.run(name, "audit", "-o", "json", "--fail-on", "none")
	if res.err != nil {
		return nil, res.err
	}
	var rep report
	if err := json.Unmarshal([]byte(res.out), &rep); err != nil {
		return nil, fmt.Errorf("report of %s does not parse: %w", name, err)
	}
	return &rep, nil
}

var severities = []string{"info", "low", "medium", "high", "critical"}

func rank(sev string) int { return slices.Index(severities, sev) }

// validWant says whether r.want is a want r.check understands.
func validWant(r row) error {
	w := r.want
	sevOK := func(s string) bool { return rank(strings.TrimPrefix(strings.TrimPrefix(s, "max:"), "min:")) >= 0 }
	switch r.check {
	case "pair":
		if w == "isolated" || w == "breached" || w == "exposure" || strings.HasPrefix(w, "layer:") || strings.HasPrefix(w, "no-layer:") || sevOK(w) {
			return nil
		}
	case "tenant":
		if w != "" {
			return nil
		}
	case "admin-path":
		if w == "present" || w == "absent" || sevOK(w) {
			return nil
		}
	case "flow":
		if (w == "allowed" || w == "denied") && strings.Contains(r.target, ">") {
			return nil
		}
	case "flows":
		if _, err := strconv.Atoi(w); err == nil && strings.Contains(r.target, ">") {
			return nil
		}
	default:
		if strings.HasPrefix(r.check, "BH-") && (w == "present" || w == "absent" || sevOK(w)) {
			return nil
		}
	}
	return fmt.Errorf("check %q cannot want %q", r.check, w)
}

// evaluate answers a row: what bulkhead says, and whether that is the want.
func evaluate(rn *runner, r row) (got string, ok bool) {
	switch r.check {
	case "flow":
		return flow(rn, r)
	case "flows":
		return flows(rn, r)
	}
	rep, err := rn.audit(r.cluster)
	if err != nil {
		return "error: " + err.Error(), false
	}
	switch r.check {
	case "pair":
		return pair(rep, r)
	case "tenant":
		got = "none"
		for _, t := range rep.Tenants {
			if slices.Contains(t.Namespaces, r.target) {
				got = t.Name
			}
		}
		return got, got == r.want
	case "admin-path":
		worst := ""
		if rep.Isolation != nil {
			for _, p := range rep.Isolation.AdminPaths {
				if p.From == r.target && rank(p.Severity) > rank(worst) {
					worst = p.Severity
				}
			}
		}
		return verdict(worst, r.want)
	}
	return findings(rep, r)
}

// verdict compares the worst severity found ("" for none) with a want of
// present, absent, SEV, max:SEV or min:SEV.
func verdict(worst, want string) (string, bool) {
	got := worst
	if got == "" {
		got = "absent"
	}
	switch {
	case want == "present":
		return got, worst != ""
	case want == "absent":
		return got, worst == ""
	case strings.HasPrefix(want, "max:"):
		return got, worst == "" || rank(worst) <= rank(want[4:])
	case strings.HasPrefix(want, "min:"):
		return got, worst != "" && rank(worst) >= rank(want[4:])
	}
	return got, worst == want
}

func findings(rep *report, r row) (string, bool) {
	idRE := glob(r.check)
	worst, ids := "", map[string]bool{}
	for _, f := range rep.Findings {
		if !idRE.MatchString(f.ID) || !matches(f, r.target) {
			continue
		}
		ids[f.ID+" "+f.Severity] = true
		if rank(f.Severity) > rank(worst) {
			worst = f.Severity
		}
	}
	got, ok := verdict(worst, r.want)
	if len(ids) > 0 {
		list := make([]string, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		sort.Strings(list)
		got += " (" + strings.Join(list, ", ") + ")"
	}
	return got, ok
}

// matches says whether a finding names an object or subject matching the
// target glob, or joins the tenants of a "SRC>DST" target.
func matches(f finding, target string) bool {
	if src, dst, ok := strings.Cut(target, ">"); ok {
		return (f.SourceTenant == src || f.SourceTenant == "*") && (f.TargetTenant == dst || f.TargetTenant == "*")
	}
	re := glob(target)
	for _, x := range append(slices.Clone(f.Subjects), f.Objects...) {
		if re.MatchString(x.Kind + "/" + x.Namespace + "/" + x.Name) {
			return true
		}
	}
	return false
}

// glob compiles a pattern whose * matches any text, slashes included.
func glob(pattern string) *regexp.Regexp {
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

func pair(rep *report, r row) (string, bool) {
	src, dst, _ := strings.Cut(r.target, ">")
	breached, exposure, worst, layers := false, false, "", []string{}
	if rep.Isolation != nil {
		for _, c := range rep.Isolation.Cells {
			if c.Source == src && c.Target == dst && !c.Isolated {
				breached, exposure, worst, layers = !c.Platform, c.Platform, c.Worst, c.Layers
			}
		}
	}
	got := "isolated"
	switch {
	case breached:
		got = fmt.Sprintf("breached %s %s", worst, strings.Join(layers, "+"))
	case exposure:
		got = fmt.Sprintf("platform exposure %s %s", worst, strings.Join(layers, "+"))
	}
	switch w := r.want; {
	case w == "exposure":
		return got, exposure
	case w == "isolated":
		return got, !breached && !exposure
	case w == "breached":
		return got, breached
	case strings.HasPrefix(w, "layer:"):
		return got, slices.Contains(layers, w[len("layer:"):])
	case strings.HasPrefix(w, "no-layer:"):
		return got, !slices.Contains(layers, w[len("no-layer:"):])
	}
	_, ok := verdict(worst, r.want)
	return got, ok
}

// flow asks bulkhead reach whether one pod may connect to another.
func flow(rn *runner, r row) (string, bool) {
	src, dst, _ := strings.Cut(r.target, ">")
	args := []string{"reach", src}
	dst, port, hasPort := strings.Cut(dst, ":")
	args = append(args, dst)
	if hasPort {
		proto, num, _ := strings.Cut(port, "/")
		args = append(args, "--protocol", proto, "--port", num)
	}
	res := rn.run(r.cluster, args...)
	if res.err != nil {
		return "error: " + res.err.Error(), false
	}
	got := "allowed"
	if res.code == 4 {
		got = "denied"
	}
	return got, got == r.want
}

// flows counts the ordered pairs of distinct pods of two namespaces that
// bulkhead reach --matrix --pods says may connect.
func flows(rn *runner, r row) (string, bool) {
	res := rn.run(r.cluster, "reach", "--matrix", "--pods", "-o", "json")
	if res.err != nil {
		return "error: " + res.err.Error(), false
	}
	var m struct {
		Allowed []struct {
			From string `json:"from"`
			To   string `json:"to"`
		} `json:"allowed"`
	}
	if err := json.Unmarshal([]byte(res.out), &m); err != nil {
		return "error: " + err.Error(), false
	}
	src, dst, _ := strings.Cut(r.target, ">")
	n := 0
	for _, a := range m.Allowed {
		if a.From != a.To && strings.HasPrefix(a.From, src+"/") && strings.HasPrefix(a.To, dst+"/") {
			n++
		}
	}
	got := strconv.Itoa(n)
	return got, got == r.want
}

// table is what a Kubernetes security engineer expects of each cluster.
var table = []row{
	// platform: kube-prometheus + ingress-nginx + team-a, team-b, team-c.
	{cluster: "platform", check: "BH-NODE-001", target: "*/monitoring/node-exporter", want: "absent",
		why: "node-exporter mounts / read-only as UID 65534, drops ALL but SYS_TIME, no privilege escalation: not root on its node"},
	{cluster: "platform", check: "BH-NODE-*", target: "*/monitoring/node-exporter", want: "max:high",
		why: "hostPID, hostNetwork and a hostPort reach into the node without owning it"},
	{cluster: "platform", check: "BH-NODE-001", target: "*/ingress-nginx/ingress-nginx-controller", want: "absent",
		why: "the controller runs as UID 101 with ALL dropped but NET_BIND_SERVICE and no host mounts"},
	{cluster: "platform", check: "BH-API-002", target: "ServiceAccount/ingress-nginx/ingress-nginx", want: "min:high",
		why: "the controller lists and watches secrets in every namespace"},
	{cluster: "platform", check: "BH-API-002", target: "ServiceAccount/monitoring/kube-state-metrics", want: "min:high",
		why: "kube-state-metrics lists and watches secrets in every namespace"},
	{cluster: "platform", check: "BH-API-004", target: "ServiceAccount/ingress-nginx/ingress-nginx-admission", want: "max:high",
		why: "get/update of validatingwebhookconfigurations sees and denies admissions but rewrites nothing: serious, not cluster-admin"},
	{cluster: "platform", check: "BH-NODE-007", target: "ServiceAccount/ingress-nginx/ingress-nginx-admission", want: "absent",
		why: "its token is mounted only by the admission hook Jobs, which finish; and it is not cluster-admin"},
	{cluster: "platform", check: "admin-path", target: "monitoring", want: "present",
		why: "prometheus-operator creates StatefulSets in every namespace, so it runs pods as any service account, kube-system's included"},
	{cluster: "platform", check: "BH-*", target: "User//alice", want: "max:medium",
		why: "alice's admin RoleBinding acts in team-a only: not critical, not a breach of another tenant"},
	{cluster: "platform", check: "BH-*", target: "User//bob", want: "max:medium",
		why: "bob's admin RoleBinding acts in team-b only"},
	{cluster: "platform", check: "pair", target: "team-a>team-b", want: "layer:network",
		why: "team-b has no ingress policy and team-a no egress policy"},
	{cluster: "platform", check: "pair", target: "team-a>team-b", want: "high",
		why: "pods reach pods: high, no worse (team-a runs restricted pods and holds no cross-tenant RBAC)"},
	{cluster: "platform", check: "pair", target: "team-a>team-b", want: "no-layer:api",
		why: "alice's admin RoleBinding stays in team-a"},
	{cluster: "platform", check: "pair", target: "team-b>team-a", want: "isolated",
		why: "team-a admits only itself and ingress-nginx; team-b runs baseline pods; bob's admin stays in team-b"},
	{cluster: "platform", check: "pair", target: "team-b>team-c", want: "layer:network",
		why: "team-c has no ingress policy"},
	{cluster: "platform", check: "pair", target: "team-c>team-a", want: "layer:node",
		why: "team-c enforces no Pod Security level: carol can run a privileged pod and own the nodes team-a runs on"},
	{cluster: "platform", check: "pair", target: "team-a>monitoring", want: "high",
		why: "team-a's pods reach prometheus-adapter (its policy admits every peer) and the host-network node-exporter; monitoring's headless Services add DNS discovery (low), no worse"},
	{cluster: "platform", check: "BH-NET-006", target: "team-a>cluster", want: "absent",
		why: "the input has no nodes and no --cloud: nothing says a metadata service exists"},
	{cluster: "platform", check: "BH-NET-001", target: "team-a>team-b", want: "high",
		why: "team-a's pods open connections to team-b's api pods"},

	// The same cluster with monitoring and ingress-nginx declared platform.
	{cluster: "platform+flag", check: "tenant", target: "monitoring", want: "platform",
		why: "--platform-namespaces puts monitoring in the platform tenant"},
	{cluster: "platform+flag", check: "tenant", target: "ingress-nginx", want: "platform",
		why: "--platform-namespaces puts ingress-nginx in the platform tenant"},
	{cluster: "platform+flag", check: "pair", target: "platform>team-a", want: "exposure",
		why: "monitoring's cluster-wide power is platform exposure, not a tenant-to-tenant breach"},
	{cluster: "platform+flag", check: "pair", target: "platform>team-b", want: "exposure",
		why: "the ingress controller reads every namespace's secrets by design: platform exposure"},
	{cluster: "platform+flag", check: "pair", target: "team-a>platform", want: "breached",
		why: "team-a's pods reach the ingress controller and prometheus-adapter: a tenant reaching the platform is a breach"},
	{cluster: "platform+flag", check: "BH-API-002", target: "ServiceAccount/monitoring/prometheus-operator", want: "min:high",
		why: "platform power is still reported"},
	{cluster: "platform+flag", check: "pair", target: "team-a>team-b", want: "layer:network",
		why: "declaring platforms changes nothing between tenants"},
	{cluster: "argocd+base", check: "pair", target: "default>platform", want: "isolated",
		why: "the empty default namespace enforces no Pod Security level, yet no one of its tenant may start a pod there"},
	{cluster: "argocd+base", check: "BH-NODE-004", target: "Namespace*/default", want: "present",
		why: "the missing label is still reported as what it is, a namespace any pod may run privileged in"},

	// argocd: Argo CD's install.yaml applied with -n argocd, team-x and team-y.
	{cluster: "argocd", check: "tenant", target: "argocd", want: "argocd",
		why: "the namespace-less install lands in argocd, as kubectl apply -n argocd puts it"},
	{cluster: "argocd", check: "admin-path", target: "argocd", want: "critical",
		why: "argocd-application-controller holds * on * cluster-wide: cluster-admin"},
	{cluster: "argocd", check: "BH-API-002", target: "ServiceAccount/argocd/argocd-application-controller", want: "critical",
		why: "* on * in every namespace"},
	{cluster: "argocd", check: "BH-API-*", target: "ServiceAccount/argocd/argocd-server", want: "min:high",
		why: "argocd-server may get every resource, nodes/proxy included (kubelet exec), and delete every resource"},
	{cluster: "argocd", check: "pair", target: "argocd>team-x", want: "critical",
		why: "without a platform declaration Argo CD is a tenant holding cluster-admin"},
	{cluster: "argocd", check: "pair", target: "team-x>team-y", want: "layer:network",
		why: "team-y has no ingress policy"},
	{cluster: "argocd", check: "pair", target: "team-y>team-x", want: "isolated",
		why: "team-x admits only itself; team-y runs baseline pods; yuri's admin stays in team-y"},
	{cluster: "argocd", check: "pair", target: "team-x>argocd", want: "layer:network",
		why: "Argo CD's own policy admits every peer to argocd-server on 8080 and 8083"},
	{cluster: "argocd+base", check: "pair", target: "default>team-x", want: "isolated",
		why: "default enforces no Pod Security level, but it is empty and no one of its tenant may start a pod there: no attacker reaches Argo CD's tokens on the nodes (power, not presence)"},
	{cluster: "argocd", check: "flow", target: "team-x/deployment-billing>argocd/deployment-argocd-server:TCP/8080", want: "allowed",
		why: "argocd-server-network-policy admits every peer on 8080"},
	{cluster: "argocd", check: "flow", target: "team-x/deployment-billing>argocd/deployment-argocd-redis:TCP/6379", want: "denied",
		why: "argocd-redis-network-policy admits only argocd-server, repo-server and the application controller"},
	{cluster: "argocd", check: "BH-NODE-001", target: "*/argocd/*", want: "absent",
		why: "Argo CD's pods run non-root with ALL dropped and mount nothing from the host"},
	{cluster: "argocd/no-n", check: "tenant", target: "default", want: "default",
		why: "without -n, namespace-less objects belong to the default namespace"},

	// boutique: Online Boutique and its NetworkPolicies in default, and analytics.
	{cluster: "boutique", check: "tenant", target: "default", want: "default",
		why: "the namespace-less shop lands in default, as its README applies it"},
	{cluster: "boutique", check: "flows", target: "default>default", want: "26",
		why: "frontend admits all 11 other pods; then 15 allowed service-to-service flows (cart 2, currency 2, productcatalog 3, shipping 2, ad, checkout, email, payment, recommendation, redis 1 each)"},
	{cluster: "boutique", check: "flow", target: "default/deployment-frontend>default/deployment-cartservice:TCP/7070", want: "allowed",
		why: "cartservice admits frontend on 7070"},
	{cluster: "boutique", check: "flow", target: "default/deployment-adservice>default/deployment-cartservice:TCP/7070", want: "denied",
		why: "cartservice admits only frontend and checkoutservice"},
	{cluster: "boutique", check: "flow", target: "default/deployment-checkoutservice>default/deployment-paymentservice:TCP/50051", want: "allowed",
		why: "paymentservice admits checkoutservice on 50051"},
	{cluster: "boutique", check: "flow", target: "default/deployment-frontend>default/deployment-paymentservice:TCP/50051", want: "denied",
		why: "paymentservice admits only checkoutservice"},
	{cluster: "boutique", check: "flow", target: "default/deployment-cartservice>default/deployment-redis-cart:TCP/6379", want: "allowed",
		why: "redis-cart admits cartservice on 6379"},
	{cluster: "boutique", check: "flow", target: "default/deployment-loadgenerator>default/deployment-frontend:TCP/8080", want: "allowed",
		why: "frontend's ingress rule {} admits every peer"},
	{cluster: "boutique", check: "flow", target: "analytics/deployment-scraper>default/deployment-frontend:TCP/8080", want: "allowed",
		why: "frontend admits every peer, other namespaces included"},
	{cluster: "boutique", check: "flow", target: "analytics/deployment-scraper>default/deployment-cartservice:TCP/7070", want: "denied",
		why: "cartservice's podSelector peers are of its own namespace only"},
	{cluster: "boutique", check: "pair", target: "analytics>default", want: "layer:network",
		why: "the frontend is open to every namespace"},
	{cluster: "boutique", check: "pair", target: "default>analytics", want: "layer:network",
		why: "the shop's egress {} rules and analytics' missing ingress policy let it in"},
	{cluster: "boutique", check: "BH-NET-002", target: "Namespace//default", want: "absent",
		why: "deny-all selects every pod of default for ingress"},
	{cluster: "boutique", check: "BH-NET-011", target: "Service/default/frontend-external", want: "medium",
		why: "a LoadBalancer Service opens node ports outside NetworkPolicy"},
	{cluster: "boutique", check: "BH-*", target: "User//ana", want: "max:medium",
		why: "ana's admin RoleBinding acts in analytics only"},

	// dashboard: kubernetes-dashboard v2.7.0 and its sample admin-user;
	// tenants shop (restricted, walled in) and blog (nothing enforced).
	{cluster: "dashboard", check: "admin-path", target: "kubernetes-dashboard", want: "critical",
		why: "the docs' admin-user ServiceAccount is bound to cluster-admin"},
	{cluster: "dashboard", check: "BH-API-002", target: "ServiceAccount/kubernetes-dashboard/admin-user", want: "critical",
		why: "a ClusterRoleBinding to cluster-admin"},
	{cluster: "dashboard", check: "BH-API-*", target: "ServiceAccount/kubernetes-dashboard/kubernetes-dashboard", want: "max:medium",
		why: "the dashboard's own account reads metrics cluster-wide; its secrets and configmap rights name its own objects"},
	{cluster: "dashboard", check: "BH-API-001", target: "ServiceAccount/kubernetes-dashboard/kubernetes-dashboard", want: "absent",
		why: "its Role is in its own namespace"},
	{cluster: "dashboard", check: "BH-NODE-001", target: "*/kubernetes-dashboard/*", want: "absent",
		why: "both deployments run as non-root without privilege escalation"},
	{cluster: "dashboard", check: "BH-NODE-004", target: "Namespace*/blog", want: "present",
		why: "blog enforces no Pod Security level and bea may create pods there"},
	{cluster: "dashboard", check: "BH-NODE-004", target: "Namespace*/shop", want: "absent",
		why: "shop enforces restricted"},
	{cluster: "dashboard", check: "pair", target: "blog>shop", want: "critical",
		why: "bea's pods escape to any node, shop's pods among them"},
	{cluster: "dashboard", check: "pair", target: "blog>shop", want: "no-layer:network",
		why: "shop admits ingress from its own pods only"},
	{cluster: "dashboard", check: "pair", target: "shop>blog", want: "isolated",
		why: "shop's egress is its own pods and DNS, it enforces restricted, and sam acts in shop only"},
	{cluster: "dashboard", check: "pair", target: "blog>kubernetes-dashboard", want: "layer:network",
		why: "v2.7.0 ships no NetworkPolicy"},
	{cluster: "dashboard", check: "flow", target: "blog/deployment-wordpress>kubernetes-dashboard/deployment-kubernetes-dashboard:TCP/8443", want: "allowed",
		why: "nothing selects the dashboard for ingress"},
	{cluster: "dashboard", check: "flow", target: "blog/deployment-wordpress>shop/deployment-cart:TCP/7070", want: "denied",
		why: "default-deny in shop admits its own pods only"},

	// certmanager: cert-manager v1.19.6's chart, default values.
	{cluster: "certmanager", check: "admin-path", target: "cert-manager", want: "critical",
		why: "cainjector may patch every webhook configuration, the controller create pods in kube-system"},
	{cluster: "certmanager", check: "BH-API-002", target: "ServiceAccount/cert-manager/cert-manager-cainjector", want: "critical",
		why: "update and patch of mutating webhook configurations intercepts every write"},
	{cluster: "certmanager", check: "BH-NODE-007", target: "blog>*", want: "critical",
		why: "cainjector's token sits on nodes blog's pods escape to"},
	{cluster: "certmanager", check: "BH-API-001", target: "ServiceAccount/cert-manager/*", want: "max:low",
		why: "the chart's leader-election Roles in kube-system name its own leases: they can disturb, not read or run"},
	{cluster: "certmanager", check: "BH-API-*", target: "User//sam", want: "absent",
		why: "the chart aggregates certificates and issuers into edit: sam's stay in shop"},
	{cluster: "certmanager", check: "pair", target: "cert-manager>shop", want: "critical",
		why: "the controller reads and writes every namespace's secrets and creates pods anywhere"},
	{cluster: "certmanager", check: "pair", target: "shop>cert-manager", want: "isolated",
		why: "shop is walled in and enforces restricted"},
	{cluster: "certmanager+platform", check: "tenant", target: "cert-manager", want: "platform",
		why: "declared platform"},
	{cluster: "certmanager+platform", check: "pair", target: "blog>platform", want: "critical",
		why: "blog's escape reaches the platform's tokens: the platform is a target like any tenant"},
	{cluster: "certmanager+platform", check: "pair", target: "shop>platform", want: "isolated",
		why: "shop is walled in and enforces restricted"},

	// recipes: four of the network policy recipes, each in its namespace.
	{cluster: "recipes", check: "flow", target: "foo/client>default/web", want: "denied",
		why: "recipe 04 admits only pods of default"},
	{cluster: "recipes", check: "flow", target: "default/client>default/web", want: "allowed",
		why: "recipe 04 admits pods of default"},
	{cluster: "recipes", check: "flow", target: "prod/client>web/web", want: "allowed",
		why: "recipe 06 admits namespaces labelled purpose=production"},
	{cluster: "recipes", check: "flow", target: "dev/client>web/web", want: "denied",
		why: "dev is labelled purpose=testing"},
	{cluster: "recipes", check: "flow", target: "api/monitor>api/apiserver:TCP/5000", want: "allowed",
		why: "recipe 09 admits role=monitoring on 5000"},
	{cluster: "recipes", check: "flow", target: "api/monitor>api/apiserver:TCP/8000", want: "denied",
		why: "recipe 09 admits port 5000 only"},
	{cluster: "recipes", check: "flow", target: "api/client>api/apiserver:TCP/5000", want: "denied",
		why: "recipe 09 admits only role=monitoring"},
	{cluster: "recipes", check: "flow", target: "foo/client>api/apiserver:TCP/5000", want: "denied",
		why: "a podSelector peer alone is the policy's own namespace"},
	{cluster: "recipes", check: "flow", target: "egress/foo>kube-system/coredns:UDP/53", want: "allowed",
		why: "recipe 11 lets app=foo reach kube-dns on 53 (kube-system carries kubernetes.io/metadata.name)"},
	{cluster: "recipes", check: "flow", target: "egress/foo>kube-system/coredns:TCP/9153", want: "denied",
		why: "recipe 11 allows DNS ports only"},
	{cluster: "recipes", check: "flow", target: "egress/foo>default/web:TCP/80", want: "denied",
		why: "recipe 11 denies app=foo every other egress"},
	{cluster: "recipes", check: "BH-NET-007", target: "*egress*", want: "absent",
		why: "recipe 11 keeps DNS open"},
	{cluster: "recipes", check: "pair", target: "foo>default", want: "isolated",
		why: "default admits only itself; every namespace runs baseline pods; no RBAC"},
	{cluster: "recipes", check: "pair", target: "dev>web", want: "isolated",
		why: "web's only pod admits purpose=production namespaces"},
	{cluster: "recipes", check: "pair", target: "prod>web", want: "layer:network",
		why: "prod is admitted by recipe 06"},
	{cluster: "recipes", check: "pair", target: "egress>cluster", want: "isolated",
		why: "egress's only pod reaches nothing but CoreDNS on its DNS ports"},
	{cluster: "recipes", check: "BH-NET-006", target: "*", want: "absent",
		why: "no nodes and no --cloud: nothing says a metadata service exists"},
	{cluster: "recipes", check: "BH-NODE-001", target: "*", want: "absent",
		why: "plain kubectl run pods under baseline own no node"},

	// capsule: Capsule's chart RBAC, its playground RBAC, tenants solar and wind.
	{cluster: "capsule", check: "tenant", target: "solar-test", want: "solar",
		why: "Capsule's tenant label groups solar-prod and solar-test"},
	{cluster: "capsule", check: "tenant", target: "wind-prod", want: "wind",
		why: "Capsule's tenant label"},
	{cluster: "capsule", check: "admin-path", target: "capsule-system", want: "critical",
		why: "the chart's default binds Capsule's service account to cluster-admin"},
	{cluster: "capsule", check: "BH-API-002", target: "ServiceAccount/capsule-system/gtr-reconciler", want: "min:high",
		why: "capsule-replicator reads and writes secrets in every namespace"},
	{cluster: "capsule", check: "BH-API-002", target: "User//admin", want: "min:high",
		why: "the playground binds user admin to cluster-admin"},
	{cluster: "capsule", check: "BH-API-007", target: "User//alice", want: "absent",
		why: "alice is bound in two namespaces of one tenant"},
	{cluster: "capsule", check: "BH-*", target: "User//alice", want: "max:medium",
		why: "a tenant owner's admin RoleBindings act in her tenant only"},
	{cluster: "capsule", check: "BH-*", target: "User//gatsby", want: "max:medium",
		why: "custom:proxy-viewer lists core resources in solar's namespaces only"},
	{cluster: "capsule", check: "pair", target: "solar>wind", want: "isolated",
		why: "zero-trust policies on both sides, baseline and restricted pods, owners bound in their own tenant"},
	{cluster: "capsule", check: "pair", target: "wind>solar", want: "isolated",
		why: "wind's restricted pods, zero-trust policies, bob bound in wind only"},
	{cluster: "capsule", check: "pair", target: "capsule-system>solar", want: "layer:api",
		why: "gtr-reconciler reads solar's secrets"},
}
