package admission

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/bootstrap"
	"github.com/bulkhead-dev/bulkhead/internal/golden"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// tenantLabel groups the fixture's namespaces.
const tenantLabel = "bulkhead.dev/tenant"

// fixture is the admission of testdata/cluster.yaml with cfg.
func fixture(t *testing.T, cfg Config) *Admission {
	t.Helper()
	snap, err := load.Paths([]string{filepath.Join("testdata", "cluster.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if err := bootstrap.Assume(snap, ""); err != nil {
		t.Fatal(err)
	}
	a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: tenantLabel, PlatformNamespaces: []string{"ingress-nginx"}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// decode reads a manifest into a typed object of a judged kind.
func decode(t testing.TB, manifest string) runtime.Object {
	t.Helper()
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal([]byte(manifest), &tm); err != nil {
		t.Fatal(err)
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := Decode(gv.WithKind(tm.Kind), js)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// request makes a request of an object, its namespace and name read from
// it.
func request(op Operation, obj, old runtime.Object) Request {
	gvk, _ := load.KindOf(obj)
	m := obj.(interface {
		GetNamespace() string
		GetName() string
	})
	return Request{Operation: op, Kind: gvk, Namespace: m.GetNamespace(), Name: m.GetName(), Object: obj, OldObject: old, User: User{Name: "alice", Groups: []string{"system:authenticated"}}}
}

// busybox is the seed article's privileged pod, in a namespace.
func busybox(t *testing.T, namespace string) *corev1.Pod {
	t.Helper()
	data, err := examples.SeedCluster.ReadFile("seed-cluster/40-busybox.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := decode(t, string(data)).(*corev1.Pod)
	p.Namespace = namespace
	return p
}

// relabel returns a copy of a namespace with labels changed as kubectl
// label reads its arguments: "KEY=VALUE" sets, "KEY-" removes.
func relabel(ns *corev1.Namespace, changes ...string) *corev1.Namespace {
	c := ns.DeepCopy()
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	for _, ch := range changes {
		if k, v, ok := strings.Cut(ch, "="); ok {
			c.Labels[k] = v
		} else {
			delete(c.Labels, strings.TrimSuffix(ch, "-"))
		}
	}
	return c
}

func namespaceOf(t *testing.T, a *Admission, name string) *corev1.Namespace {
	t.Helper()
	ns := a.snap.Namespace(name)
	if ns == nil {
		t.Fatalf("no namespace %s in the fixture", name)
	}
	return ns.DeepCopy()
}

func withSub(r Request, sub string) Request { r.SubResource = sub; return r }
func asUser(r Request, name string) Request { r.User = User{Name: name}; return r }

// workload is a controller of a kind whose pod template is privileged
// and shares the node's process namespace.
func workload(kind, apiVersion, namespace string) string {
	template := `
template:
  metadata: {labels: {app: shell}}
  spec:
    hostPID: true
    containers:
    - name: shell
      image: ubuntu
      securityContext: {privileged: true}`
	spec := "selector: {matchLabels: {app: shell}}" + template
	if kind == "CronJob" {
		spec = "schedule: '* * * * *'\njobTemplate:\n  spec:" + indent(template, "    ")
	}
	return fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata: {name: shell, namespace: %s}\nspec:\n%s\n", apiVersion, kind, namespace, indent("\n"+spec, "  ")[1:])
}

func indent(s, by string) string { return strings.ReplaceAll(s, "\n", "\n"+by) }

const (
	nginx = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a-web}
spec:
  containers: [{name: web, image: nginx}]`
	claimsRoot = `apiVersion: v1
kind: Pod
metadata: {name: reader, namespace: b-app}
spec:
  containers:
  - name: r
    image: busybox
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data}`
	hostNet = `apiVersion: v1
kind: Pod
metadata: {name: sniffer, namespace: a-web}
spec:
  hostNetwork: true
  containers: [{name: s, image: busybox}]`
	pinned = `apiVersion: v1
kind: Pod
metadata: {name: pinned, namespace: a-web}
spec:
  nodeName: node-1
  containers: [{name: s, image: busybox}]`
	crossBinding = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: let-b-in, namespace: a-web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: a-web}
- {kind: ServiceAccount, name: runner, namespace: b-app}`
	sameTenantBinding = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: backup-reads, namespace: a-web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: backup, namespace: a-db}`
	everyoneBinding = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-sa-edit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: Group, name: system:serviceaccounts, apiGroup: rbac.authorization.k8s.io}`
	externalIPs = `apiVersion: v1
kind: Service
metadata: {name: grab, namespace: a-web}
spec:
  ports: [{port: 80}]
  externalIPs: [10.0.0.10]`
	nodePort = `apiVersion: v1
kind: Service
metadata: {name: open, namespace: a-web}
spec:
  type: NodePort
  ports: [{port: 80}]`
)

// policy is a NetworkPolicy of a-web with a spec, as YAML indented by
// two spaces.
func policy(name, spec string) string {
	return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: " + name + ", namespace: a-web}\nspec:\n  podSelector: {}\n" + spec
}

var (
	fromTenantB = policy("from-b", `  ingress:
  - from:
    - namespaceSelector: {matchLabels: {bulkhead.dev/tenant: b}}`)
	fromEverywhere = policy("from-all", `  ingress:
  - from:
    - namespaceSelector: {}
      podSelector: {matchLabels: {app: scraper}}
    ports: [{port: 9090}]`)
	fromAnyPeer = policy("any-peer", `  ingress:
  - ports: [{port: 80}]`)
	fromOwnTenant = policy("same-tenant", `  ingress:
  - from:
    - namespaceSelector: {matchExpressions: [{key: bulkhead.dev/tenant, operator: In, values: [a]}]}
    - podSelector: {}`)
	fromPlatform = policy("from-platform", `  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}`)
	toDNS = policy("dns", `  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]`)
	toDNSAnyPort = policy("dns-any-port", `  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {}
      podSelector: {matchLabels: {k8s-app: kube-dns}}`)
	toNotTenantA = policy("to-others", `  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchExpressions: [{key: bulkhead.dev/tenant, operator: NotIn, values: [a]}]}`)
	egressOnlyOpenIngress = policy("egress-only", `  policyTypes: [Egress]
  ingress:
  - from: [{namespaceSelector: {}}]
  egress:
  - to: [{podSelector: {}}]`)
	defaultDeny = policy("default-deny", `  policyTypes: [Ingress, Egress]`)
)

// ingress is an Ingress of a namespace in the nginx class claiming hosts.
func ingress(namespace, name, class string, hosts ...string) string {
	var rules strings.Builder
	for _, h := range hosts {
		fmt.Fprintf(&rules, "  - host: %q\n", h)
	}
	return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: %s, namespace: %s}\nspec:\n  ingressClassName: %s\n  rules:\n%s", name, namespace, class, rules.String())
}

const (
	// foreignEndpoints is a hand-written Endpoints of a-web naming a pod
	// of tenant b (CVE-2021-25740), beside one of its own.
	foreignEndpoints = `apiVersion: v1
kind: Endpoints
metadata: {name: web, namespace: a-web}
subsets:
- addresses:
  - {ip: 10.244.1.5, targetRef: {kind: Pod, namespace: a-web, name: web-1}}
  notReadyAddresses:
  - {ip: 10.244.2.7, targetRef: {kind: Pod, namespace: b-app, name: db-0}}
  ports: [{port: 5432}]`
	foreignSlice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x1, namespace: a-web}
addressType: IPv4
endpoints:
- addresses: [10.244.2.7]
  targetRef: {kind: Pod, namespace: b-app, name: db-0}
ports: [{port: 5432}]`
	ownSlice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x2, namespace: a-web}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5]
  targetRef: {kind: Pod, namespace: a-db, name: pg-0}
- addresses: [192.0.2.10]
ports: [{port: 5432}]`
)

// TestDecide is the webhook's decisions, case by case: the rules each
// request breaks and whether it is admitted; the messages are held in
// testdata/decisions.txt (-update rewrites it).
func TestDecide(t *testing.T) {
	a := fixture(t, Config{})
	aWeb := namespaceOf(t, a, "a-web")
	loner := namespaceOf(t, a, "loner")
	bStrict := namespaceOf(t, a, "b-strict")
	kubeSystem := namespaceOf(t, a, "kube-system")
	deploy := decode(t, workload("Deployment", "apps/v1", "a-web"))

	cases := []decideCase{
		{"busybox in a tenant namespace", request(Create, busybox(t, "a-web"), nil), false, []string{"BH-NODE-001"}},
		{"busybox in kube-system", request(Create, busybox(t, "kube-system"), nil), true, nil},
		{"plain pod: NET_RAW kept is audited", request(Create, decode(t, nginx), nil), true, []string{"BH-NODE-003"}},
		{"pod in a namespace bulkhead has not seen", request(Create, busybox(t, "ghost"), nil), false, []string{IDUnresolved}},
		{"plain pod in a namespace bulkhead has not seen", request(Create, func() runtime.Object { p := decode(t, nginx).(*corev1.Pod); p.Namespace = "ghost"; return p }(), nil), false, []string{IDUnresolved}},
		{"claim of a hostPath volume, which Pod Security misses", request(Create, decode(t, claimsRoot), nil), false, []string{"BH-NODE-001"}},
		{"host network", request(Create, decode(t, hostNet), nil), false, []string{"BH-NODE-002"}},
		{"pinned to a node only weakens: audited", request(Create, decode(t, pinned), nil), true, []string{"BH-NODE-003"}},
		{"ephemeral container turning privileged", withSub(request(Update, busybox(t, "a-web"), decode(t, nginx)), "ephemeralcontainers"), false, []string{"BH-NODE-001"}},
		{"Deployment with a privileged template", request(Create, deploy, nil), false, []string{"BH-NODE-001"}},
		{"StatefulSet with a privileged template", request(Create, decode(t, workload("StatefulSet", "apps/v1", "a-web")), nil), false, []string{"BH-NODE-001"}},
		{"DaemonSet with a privileged template", request(Create, decode(t, workload("DaemonSet", "apps/v1", "a-web")), nil), false, []string{"BH-NODE-001"}},
		{"ReplicaSet with a privileged template", request(Create, decode(t, workload("ReplicaSet", "apps/v1", "a-web")), nil), false, []string{"BH-NODE-001"}},
		{"Job with a privileged template", request(Create, decode(t, workload("Job", "batch/v1", "a-web")), nil), false, []string{"BH-NODE-001"}},
		{"CronJob with a privileged template", request(Create, decode(t, workload("CronJob", "batch/v1", "a-web")), nil), false, []string{"BH-NODE-001"}},
		{"Deployment in kube-system", request(Create, decode(t, workload("Deployment", "apps/v1", "kube-system")), nil), true, nil},
		{"update of a Deployment that escaped already", request(Update, deploy, deploy), true, nil},
		{"RoleBinding to another tenant's service account", request(Create, decode(t, crossBinding), nil), false, []string{"BH-API-001"}},
		{"RoleBinding within a tenant", request(Create, decode(t, sameTenantBinding), nil), true, nil},
		{"ClusterRoleBinding to every service account", request(Create, decode(t, everyoneBinding), nil), false, []string{"BH-API-003"}},
		{"Service with externalIPs", request(Create, decode(t, externalIPs), nil), false, []string{"BH-NET-009"}},
		{"NodePort Service: a warning", request(Create, decode(t, nodePort), nil), true, []string{"BH-NET-011"}},
		{"relabel a namespace into another tenant", request(Update, relabel(aWeb, tenantLabel+"=b"), aWeb), false, []string{IDTenantChange}},
		{"relabel through namespaces/status", withSub(request(Update, relabel(aWeb, tenantLabel+"=b"), aWeb), "status"), false, []string{IDTenantChange}},
		{"relabel through namespaces/finalize", withSub(request(Update, relabel(aWeb, tenantLabel+"=b"), aWeb), "finalize"), false, []string{IDTenantChange}},
		{"a namespace of no tenant label joins tenant b", request(Update, relabel(loner, tenantLabel+"=b"), loner), false, []string{IDTenantChange}},
		{"drop the tenant label", request(Update, relabel(aWeb, tenantLabel+"-"), aWeb), false, []string{IDTenantChange}},
		{"unrelated label", request(Update, relabel(aWeb, "team=frontend"), aWeb), true, nil},
		{"lower Pod Security enforce", request(Update, relabel(bStrict, "pod-security.kubernetes.io/enforce=privileged"), bStrict), false, []string{"BH-NODE-008"}},
		{"remove Pod Security enforce through status", withSub(request(Update, relabel(bStrict, "pod-security.kubernetes.io/enforce-"), bStrict), "status"), false, []string{"BH-NODE-008"}},
		{"raise Pod Security enforce", request(Update, relabel(bStrict, "pod-security.kubernetes.io/enforce=restricted"), bStrict), true, nil},
		{"relabel kube-system", request(Update, relabel(kubeSystem, tenantLabel+"=b"), kubeSystem), true, nil},
		{"a tenant's service account creates a namespace into another tenant", asUser(request(Create, func() *corev1.Namespace {
			n := relabel(&corev1.Namespace{}, tenantLabel+"=b")
			n.Name = "b-new"
			return n
		}(), nil), "system:serviceaccount:a-web:deployer"), false, []string{IDTenantChange}},
		{"a tenant's service account creates a namespace of its own tenant", asUser(request(Create, func() *corev1.Namespace {
			n := relabel(&corev1.Namespace{}, tenantLabel+"=a")
			n.Name = "a-new"
			return n
		}(), nil), "system:serviceaccount:a-web:deployer"), true, nil},
		{"NetworkPolicy admitting another tenant's namespaces", request(Create, decode(t, fromTenantB), nil), false, []string{"BH-NET-001"}},
		{"NetworkPolicy admitting every namespace", request(Create, decode(t, fromEverywhere), nil), false, []string{"BH-NET-004"}},
		{"NetworkPolicy rule without peers", request(Create, decode(t, fromAnyPeer), nil), false, []string{"BH-NET-004"}},
		{"NetworkPolicy selecting namespaces other than its tenant's", request(Create, decode(t, toNotTenantA), nil), false, []string{"BH-NET-001", "BH-NET-001"}},
		{"NetworkPolicy to the DNS pods of every namespace on every port", request(Create, decode(t, toDNSAnyPort), nil), false, []string{"BH-NET-004"}},
		{"NetworkPolicy within the tenant", request(Create, decode(t, fromOwnTenant), nil), true, nil},
		{"NetworkPolicy from the platform and kube-system", request(Create, decode(t, fromPlatform), nil), true, nil},
		{"NetworkPolicy to the cluster DNS", request(Create, decode(t, toDNS), nil), true, nil},
		{"NetworkPolicy whose open ingress rule its policyTypes ignore", request(Create, decode(t, egressOnlyOpenIngress), nil), true, nil},
		{"NetworkPolicy default deny", request(Create, decode(t, defaultDeny), nil), true, nil},
		{"update of a NetworkPolicy that was open already", request(Update, decode(t, fromTenantB), decode(t, fromTenantB)), true, nil},
		{"NetworkPolicy opening to another tenant on update", request(Update, decode(t, fromTenantB), decode(t, defaultDeny)), false, []string{"BH-NET-001"}},
		{"NetworkPolicy in kube-system", request(Create, func() runtime.Object {
			np := decode(t, fromEverywhere)
			np.(interface{ SetNamespace(string) }).SetNamespace("kube-system")
			return np
		}(), nil), true, nil},
		{"Ingress claiming another tenant's host", request(Create, decode(t, ingress("a-web", "grab", "nginx", "www.example.com", "shop.example.com")), nil), false, []string{"BH-NET-013"}},
		{"Ingress claiming a host under another tenant's wildcard", request(Create, decode(t, ingress("a-web", "api", "nginx", "api.b.example.com")), nil), false, []string{"BH-NET-013"}},
		{"Ingress claiming another tenant's host in another class", request(Create, decode(t, ingress("a-web", "grab", "traefik", "shop.example.com")), nil), true, nil},
		{"Ingress claiming a host of its own tenant", request(Create, decode(t, ingress("a-web", "docs", "nginx", "docs.example.com")), nil), true, nil},
		{"update of the Ingress holding a host", request(Update, decode(t, ingress("b-app", "shop", "nginx", "shop.example.com", "new.example.com")), decode(t, ingress("b-app", "shop", "nginx", "shop.example.com"))), true, nil},
		{"Ingress in kube-system", request(Create, decode(t, ingress("kube-system", "grab", "nginx", "shop.example.com")), nil), true, nil},
		{"Endpoints naming another tenant's pod", request(Create, decode(t, foreignEndpoints), nil), false, []string{"BH-NET-012"}},
		{"EndpointSlice naming another tenant's pod", request(Create, decode(t, foreignSlice), nil), false, []string{"BH-NET-012"}},
		{"EndpointSlice of the tenant's pods and an outside address", request(Create, decode(t, ownSlice), nil), true, nil},
		{"delete", request(Delete, busybox(t, "a-web"), nil), true, nil},
	}
	decideAll(t, a, "decisions.txt", cases)
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}
