package harden

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	svcfind "github.com/bulkhead-dev/bulkhead/internal/service"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

/*
QuotaPlan closes the Service paths that NetworkPolicy cannot see.

ResourceQuota (https://kubernetes.io/docs/concepts/policy/resource-quotas/):

	services.nodeports: The total number of NodePort type Services that can
	exist in the namespace. services.loadbalancers: The total number of
	Services of type LoadBalancer that can exist in the namespace.

The quota evaluator counts, as services.nodeports, every port of a NodePort
Service and of a LoadBalancer Service that allocates node ports (unless
spec.allocateLoadBalancerNodePorts is false). So per tenant namespace:

  - a ResourceQuota QuotaName with services.nodeports: 0 and, unless
    Options.Quota allows LoadBalancer Services, services.loadbalancers: 0.
    With Options.Quota a LoadBalancer Service is admitted only with
    allocateLoadBalancerNodePorts: false (a load balancer that sends
    traffic to pod addresses), so it opens no port on every node;
  - with Options.Quota, a LimitRange LimitRangeName that gives containers
    without requests a default CPU and memory request, so that pods which
    ask for nothing cannot crowd other tenants off a node. It sets no
    default limit: a default limit below a container's own request makes
    the API server refuse the pod.

A quota below what a namespace already uses is accepted by the API server,
but it then refuses any new Service of that kind and the updates that
would keep the count above it: a blind apply breaks the owner's next
deploy. Such a namespace gets no quota Object; it gets a Proposal with the
quota, and each Service over it a Proposal of its own that turns it into
a ClusterIP Service (a human decides whether external clients can do
without it).

Services with spec.externalIPs (BH-NET-009) get a Proposal that removes
them; hand-written Endpoints and EndpointSlices that point at another
tenant's pods (BH-NET-012) a Proposal that deletes them (for a slice the
EndpointSlice mirroring controller made from Endpoints, the Endpoints it
mirrors, or the controller would make it again).

Platform namespaces get no quota: ingress controllers are what Services of
type LoadBalancer are for. The cluster tenant's namespaces are the
cluster's own.

The snapshot does not model ResourceQuotas or LimitRanges, so the same
objects are written on every run; applying them again changes nothing.
Existing tenant objects a Proposal replaces carry its annotations but not
ManagedByLabel: they stay their owner's.
*/

// Names of the objects QuotaPlan writes.
const (
	QuotaName      = "bulkhead-services"
	LimitRangeName = "bulkhead-defaults"
)

// Default requests of the LimitRange: about what a small web server asks
// for.
var (
	defaultCPURequest    = resource.MustParse("100m")
	defaultMemoryRequest = resource.MustParse("128Mi")
)

// mirroredByLabel marks the EndpointSlices the mirroring controller makes
// from Endpoints; kubernetes.io/service-name names their Service (and so
// the Endpoints).
const (
	sliceManagedByLabel = "endpointslice.kubernetes.io/managed-by"
	sliceMirroring      = "endpointslicemirroring-controller.k8s.io"
)

// QuotaPlan returns the quotas (and, with Options.Quota, the LimitRanges)
// of the tenant namespaces, and proposals for the Services, Endpoints and
// EndpointSlices a human has to change (see the comment above).
func QuotaPlan(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) ([]Object, []Proposal) {
	return quotaPlan(analysis.NewFacts(snap, ten), opts)
}

// quotaPlan is QuotaPlan on the facts of a snapshot: the findings of the
// Service checks.
func quotaPlan(facts *analysis.Facts, opts Options) ([]Object, []Proposal) {
	snap, ten := facts.Snapshot, facts.Tenancy
	found := map[string]map[string]bool{} // object ref -> finding IDs
	var foreign []finding.Finding
	for _, f := range facts.Services() {
		if len(f.Objects) == 0 {
			continue
		}
		key := f.Objects[0].String()
		if found[key] == nil {
			found[key] = map[string]bool{}
		}
		found[key][f.ID] = true
		if f.ID == svcfind.IDForeignEndpoints {
			foreign = append(foreign, f)
		}
	}
	services := map[string][]*corev1.Service{}
	for i := range snap.Services {
		s := &snap.Services[i]
		services[s.Namespace] = append(services[s.Namespace], s)
	}

	var objects []Object
	var proposals []Proposal
	for _, ns := range quotaNamespaces(snap, ten) {
		var over []*corev1.Service
		for _, s := range services[ns] {
			if n, lb := quotaUse(s); n > 0 || (lb > 0 && !opts.Quota) {
				over = append(over, s)
			}
		}
		q := serviceQuota(ns, opts)
		if len(over) == 0 {
			objects = append(objects, Object{Layer: Quota, Namespace: ns, Obj: q, Why: q.Annotations[ReasonAnnotation]})
		} else {
			proposals = append(proposals, quotaProposal(ns, q, over))
		}
		if opts.Quota {
			lr := limitRange(ns)
			objects = append(objects, Object{Layer: Quota, Namespace: ns, Obj: lr, Why: lr.Annotations[ReasonAnnotation]})
		}
	}
	for i := range snap.Services {
		s := &snap.Services[i]
		if p, ok := serviceProposal(s, found[svcKey(s)], ten, opts); ok {
			proposals = append(proposals, p)
		}
	}
	proposals = append(proposals, endpointProposals(snap, foreign)...)
	return objects, proposals
}

// quotaNamespaces lists, sorted, the namespaces of tenants that are neither
// the cluster nor the platform and have a Namespace object (a quota in a
// namespace that does not exist is refused).
func quotaNamespaces(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []string {
	var out []string
	for i := range snap.Namespaces {
		name := snap.Namespaces[i].Name
		if ten.IsSystem(name) || ten.IsPlatform(name) {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// quotaUse is what a Service counts against the quota: node ports and
// load balancers, as the quota evaluator counts them.
func quotaUse(s *corev1.Service) (nodePorts, loadBalancers int) {
	switch s.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return len(s.Spec.Ports), 0
	case corev1.ServiceTypeLoadBalancer:
		if a := s.Spec.AllocateLoadBalancerNodePorts; a != nil && !*a {
			return 0, 1
		}
		return len(s.Spec.Ports), 1
	}
	return 0, 0
}

// serviceQuota is the ResourceQuota of a tenant namespace.
func serviceQuota(ns string, opts Options) *corev1.ResourceQuota {
	hard := corev1.ResourceList{corev1.ResourceServicesNodePorts: resource.MustParse("0")}
	why := "no NodePort Services (or LoadBalancer Services that open node ports): node ports are outside NetworkPolicy"
	if !opts.Quota {
		hard[corev1.ResourceServicesLoadBalancers] = resource.MustParse("0")
		why = "no NodePort or LoadBalancer Services: node ports and load balancers are outside NetworkPolicy"
	}
	q := &corev1.ResourceQuota{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: QuotaName},
		Spec:       corev1.ResourceQuotaSpec{Hard: hard},
	}
	stamp(&q.ObjectMeta, nil, why)
	return q
}

// limitRange gives containers without requests a default request.
func limitRange(ns string) *corev1.LimitRange {
	lr := &corev1.LimitRange{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: LimitRangeName},
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type: corev1.LimitTypeContainer,
			DefaultRequest: corev1.ResourceList{
				corev1.ResourceCPU:    defaultCPURequest.DeepCopy(),
				corev1.ResourceMemory: defaultMemoryRequest.DeepCopy(),
			},
		}}},
	}
	stamp(&lr.ObjectMeta, nil, "default CPU and memory requests for containers that ask for none, so that no tenant fills a node unaccounted")
	return lr
}

// quotaProposal proposes the quota of a namespace whose Services already
// exceed it.
func quotaProposal(ns string, q *corev1.ResourceQuota, over []*corev1.Service) Proposal {
	var names []string
	for _, s := range over {
		names = append(names, fmt.Sprintf("%s (%s)", s.Name, s.Spec.Type))
	}
	return Proposal{
		Layer: Quota,
		Title: fmt.Sprintf("ResourceQuota %s/%s, once its %d Service(s) over it are changed", ns, QuotaName, len(over)),
		Detail: fmt.Sprintf("Namespace %s already has Services the quota forbids: %s. The API server accepts a quota below what a namespace uses, "+
			"but then refuses new Services of that kind and updates that keep the count above it, so the owner's next deploy fails. "+
			"Change them first (see the proposals for each), then apply the quota.", ns, strings.Join(names, ", ")),
		Apply: []runtime.Object{q},
	}
}

func svcKey(s *corev1.Service) string {
	return finding.Ref{Kind: "Service", Namespace: s.Namespace, Name: s.Name}.String()
}

// serviceProposal proposes the changes one Service needs: no externalIPs
// (any namespace but the cluster's), and in a tenant namespace no node
// ports or load balancer the quota forbids.
func serviceProposal(s *corev1.Service, found map[string]bool, ten *tenancy.Tenancy, opts Options) (Proposal, bool) {
	if ten.IsSystem(s.Namespace) {
		return Proposal{}, false
	}
	nodePorts, lbs := quotaUse(s)
	convert := !ten.IsPlatform(s.Namespace) && (nodePorts > 0 || (lbs > 0 && !opts.Quota))
	external := len(s.Spec.ExternalIPs) > 0
	if !convert && !external {
		return Proposal{}, false
	}
	before := serviceManifest(s)
	after := serviceManifest(s)
	var what, closes []string
	var d strings.Builder
	if external {
		after.Spec.ExternalIPs = nil
		what = append(what, "remove spec.externalIPs")
		if found[svcfind.IDExternalIPs] {
			closes = append(closes, svcfind.IDExternalIPs)
		}
		fmt.Fprintf(&d, "spec.externalIPs (%s): kube-proxy on every node sends traffic for those addresses, from any pod or node, to this Service (CVE-2020-8554). "+
			"Clients that reach the Service by those addresses lose it; give them a LoadBalancer or an Ingress instead. "+
			"The DenyServiceExternalIPs admission plugin keeps new ones out.\n", strings.Join(s.Spec.ExternalIPs, ", "))
	}
	if convert {
		toClusterIP(after, opts)
		if after.Spec.Type == corev1.ServiceTypeLoadBalancer {
			what = append(what, "stop allocating node ports")
			d.WriteString("It keeps its load balancer, which must then send traffic to pod addresses: its node ports listen on every node, where NetworkPolicy cannot tell tenants apart. Load balancers that target nodes stop working.\n")
		} else {
			what = append(what, "make it type ClusterIP")
			fmt.Fprintf(&d, "Type %s opens ports on every node (and a load balancer), where NetworkPolicy cannot tell tenants apart; as ClusterIP it is reached from inside the cluster only. "+
				"Clients outside the cluster lose it: publish it through the shared Ingress instead.\n", s.Spec.Type)
		}
		if found[svcfind.IDNodePort] {
			closes = append(closes, svcfind.IDNodePort)
		}
	}
	sort.Strings(closes)
	why := "proposed: " + strings.Join(what, ", ")
	note(&after.ObjectMeta, closes, why)
	diff, err := objectsDiff([]runtime.Object{before}, []runtime.Object{after})
	if err != nil {
		diff = ""
	}
	return Proposal{
		Layer:  Quota,
		Title:  fmt.Sprintf("Service %s/%s: %s", s.Namespace, s.Name, strings.Join(what, ", ")),
		Detail: strings.TrimSuffix(d.String(), "\n"),
		Closes: closes,
		Apply:  []runtime.Object{after},
		Diff:   diff,
	}, true
}

// serviceManifest is a Service as a user applies it: no status, no
// server-filled metadata.
func serviceManifest(s *corev1.Service) *corev1.Service {
	out := &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   s.Namespace,
			Name:        s.Name,
			Labels:      maps.Clone(s.Labels),
			Annotations: maps.Clone(s.Annotations),
		},
		Spec: *s.Spec.DeepCopy(),
	}
	delete(out.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
	if len(out.Annotations) == 0 {
		out.Annotations = nil
	}
	return out
}

// toClusterIP removes what makes a Service count against the quota: a
// NodePort Service, or a LoadBalancer one when load balancers are not
// allowed, becomes ClusterIP; an allowed LoadBalancer stops allocating
// node ports. The fields the API server allows only on the old type go.
func toClusterIP(s *corev1.Service, opts Options) {
	for i := range s.Spec.Ports {
		s.Spec.Ports[i].NodePort = 0
	}
	s.Spec.HealthCheckNodePort = 0
	if s.Spec.Type == corev1.ServiceTypeLoadBalancer && opts.Quota {
		no := false
		s.Spec.AllocateLoadBalancerNodePorts = &no
		return
	}
	s.Spec.Type = corev1.ServiceTypeClusterIP
	s.Spec.ExternalTrafficPolicy = ""
	s.Spec.AllocateLoadBalancerNodePorts = nil
	s.Spec.LoadBalancerClass = nil
	s.Spec.LoadBalancerIP = ""
	s.Spec.LoadBalancerSourceRanges = nil
}

// endpointProposals proposes deleting each hand-written Endpoints or
// EndpointSlice that names another tenant's pods.
func endpointProposals(snap *snapshot.Snapshot, foreign []finding.Finding) []Proposal {
	type target struct {
		ns, name string // the Endpoints to delete, or the slice
		slice    bool
	}
	reasons := map[target][]string{}
	var order []target
	add := func(t target, reason string) {
		if reasons[t] == nil {
			order = append(order, t)
		}
		reasons[t] = append(reasons[t], reason)
	}
	for _, f := range foreign {
		ref := f.Objects[0]
		t := target{ns: ref.Namespace, name: ref.Name, slice: ref.Kind == "EndpointSlice"}
		if t.slice {
			if es := findSlice(snap, ref.Namespace, ref.Name); es != nil && es.Labels[sliceManagedByLabel] == sliceMirroring && es.Labels[discoveryv1.LabelServiceName] != "" {
				// Mirrored from Endpoints: delete those, and the slice goes.
				t = target{ns: ref.Namespace, name: es.Labels[discoveryv1.LabelServiceName]}
			}
		}
		add(t, f.Reason)
	}
	var out []Proposal
	for _, t := range order {
		var del []runtime.Object
		kind := "Endpoints"
		if t.slice {
			kind = "EndpointSlice"
			del = append(del, &discoveryv1.EndpointSlice{
				TypeMeta:   metav1.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
				ObjectMeta: metav1.ObjectMeta{Namespace: t.ns, Name: t.name},
			})
		} else {
			del = append(del, &corev1.Endpoints{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
				ObjectMeta: metav1.ObjectMeta{Namespace: t.ns, Name: t.name},
			})
			for i := range snap.EndpointSlices {
				es := &snap.EndpointSlices[i]
				if es.Namespace == t.ns && es.Labels[sliceManagedByLabel] == sliceMirroring && es.Labels[discoveryv1.LabelServiceName] == t.name {
					del = append(del, &discoveryv1.EndpointSlice{
						TypeMeta:   metav1.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
						ObjectMeta: metav1.ObjectMeta{Namespace: es.Namespace, Name: es.Name},
					})
				}
			}
		}
		rs := reasons[t]
		sort.Strings(rs)
		out = append(out, Proposal{
			Layer: Quota,
			Title: fmt.Sprintf("Delete %s %s/%s: it points at another tenant's pods", kind, t.ns, t.name),
			Detail: strings.Join(rs, "\n") + "\nWhoever writes Endpoints can send a Service's traffic, and that of ingress controllers routing by Endpoints, to pods of another tenant (CVE-2021-25740). " +
				"The Service keeps no endpoints until it selects pods of its own namespace; take Endpoints and EndpointSlices write access away from tenants as well.",
			Closes: []string{svcfind.IDForeignEndpoints},
			Delete: del,
		})
	}
	return out
}

func findSlice(snap *snapshot.Snapshot, ns, name string) *discoveryv1.EndpointSlice {
	for i := range snap.EndpointSlices {
		if es := &snap.EndpointSlices[i]; es.Namespace == ns && es.Name == name {
			return es
		}
	}
	return nil
}
