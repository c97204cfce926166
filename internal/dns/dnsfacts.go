package dns

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Kind says what cluster DNS gives away about a tenant.
type Kind string

const (
	// Discovery: names or addresses of the tenant's pods or Services
	// can be enumerated by any pod that can query cluster DNS.
	Discovery Kind = "discovery"
	// Spoofing: any pod can make names in the tenant's pod zone
	// (A-B-C-D.NAMESPACE.pod.<zone>) resolve to an address of its choosing.
	// It reveals nothing of the tenant.
	Spoofing Kind = "spoofing"
)

// Exposure is one thing cluster DNS exposes of one tenant to every pod
// that can query it.
type Exposure struct {
	// Tenant is the tenant exposed; never the cluster tenant.
	Tenant   string           `json:"tenant"`
	Kind     Kind             `json:"kind"`
	Severity finding.Severity `json:"severity"`
	// Check is the ID of the finding that reports the cause (BH-DNS-001,
	// -002 or -003), at the same severity.
	Check string `json:"check"`
	// Reason says what is exposed and how, in one line.
	Reason string `json:"reason"`
	// Namespaces are the tenant's namespaces concerned, sorted.
	Namespaces []string `json:"namespaces"`
	// Objects are what the exposure stands on: the Corefile ConfigMap, the
	// headless Services.
	Objects []finding.Ref `json:"objects"`
}

// Exposures returns, per tenant, what cluster DNS really exposes of it,
// sorted by tenant, then check. Pod records (`pods verified`), reverse
// zones (PTR) and headless Services (A and SRV records) are discovery:
// they let a querier enumerate the tenant's pods or Services, so they
// count only for tenants that have pods (verified), Services (PTR) or
// pods behind a headless Service. `pods insecure` is spoofing, not
// discovery: it answers a pod-style name for any address without checking
// a pod exists, so it counts for tenants with pods, whose pod names it can
// fake. Tenants with no pods and no Services get nothing, and the cluster
// tenant is never listed.
func Exposures(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []Exposure {
	pods := map[string]bool{}
	for i := range snap.Pods {
		if p := &snap.Pods[i]; live(p) {
			pods[p.Namespace] = true
		}
	}
	svcs := map[string][]string{}
	for i := range snap.Services {
		if s := &snap.Services[i]; s.Spec.Type != corev1.ServiceTypeExternalName {
			svcs[s.Namespace] = append(svcs[s.Namespace], s.Name)
		}
	}
	headlessNS := backedHeadless(snap, ten)
	var plugins []kubernetesPlugin
	var cmRef finding.Ref
	if cm, text, ok := corefile(snap); ok {
		plugins = parseCorefile(text)
		cmRef = finding.Ref{Kind: "ConfigMap", Namespace: cm.Namespace, Name: cm.Name}
	}
	var out []Exposure
	for _, t := range ten.Tenants() {
		var withPods, withSvcs []string
		var svcNames []string
		var headless []finding.Ref
		for _, ns := range ten.Namespaces(t.Name) {
			if ten.IsSystem(ns) {
				continue
			}
			if pods[ns] {
				withPods = append(withPods, ns)
			}
			if len(svcs[ns]) > 0 {
				withSvcs = append(withSvcs, ns)
				for _, n := range svcs[ns] {
					svcNames = append(svcNames, ns+"/"+n)
				}
			}
			for _, n := range headlessNS[ns] {
				headless = append(headless, finding.Ref{Kind: "Service", Namespace: ns, Name: n})
			}
		}
		add := func(kind Kind, sev finding.Severity, check, reason string, nss []string, objs []finding.Ref) {
			out = append(out, Exposure{Tenant: t.Name, Kind: kind, Severity: sev, Check: check, Reason: reason, Namespaces: nss, Objects: objs})
		}
		for _, k := range plugins {
			switch {
			case k.Pods == "verified" && len(withPods) > 0:
				add(Discovery, finding.Low, IDPodRecords, fmt.Sprintf("pods verified: sweeping addresses through A-B-C-D.NAMESPACE.pod names finds which addresses are pods of %s", strings.Join(withPods, ", ")), withPods, []finding.Ref{cmRef})
			case k.Pods == "insecure" && len(withPods) > 0:
				add(Spoofing, rulePodRecords.Severity, IDPodRecords, fmt.Sprintf("pods insecure: any pod can make A-B-C-D.NAMESPACE.pod names of %s resolve to an address of its choosing (reveals no pods)", strings.Join(withPods, ", ")), withPods, []finding.Ref{cmRef})
			}
			if len(k.reverseZones()) > 0 && len(withSvcs) > 0 {
				add(Discovery, ruleReverseZones.Severity, IDReverseZones, fmt.Sprintf("reverse zones: a PTR sweep of the service range names the Services %s", strings.Join(svcNames, ", ")), withSvcs, []finding.Ref{cmRef})
			}
		}
		if len(headless) > 0 {
			var nss, names []string
			for _, r := range headless {
				if len(nss) == 0 || nss[len(nss)-1] != r.Namespace {
					nss = append(nss, r.Namespace)
				}
				names = append(names, r.Namespace+"/"+r.Name)
			}
			add(Discovery, ruleHeadlessService.Severity, IDHeadlessService, fmt.Sprintf("headless Services %s list their pods' addresses (A) and names (SRV)", strings.Join(names, ", ")), nss, headless)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Tenant != out[j].Tenant {
			return out[i].Tenant < out[j].Tenant
		}
		return out[i].Check < out[j].Check
	})
	return out
}

// live reports whether a pod runs or will: Succeeded and Failed pods have
// no address and no DNS records.
func live(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// backedHeadless lists, per tenant namespace, the headless Services that
// have pods behind them: their selector matches a pod of the namespace,
// or (without a selector) their Endpoints or EndpointSlices list an
// address. Names sorted.
func backedHeadless(snap *snapshot.Snapshot, ten *tenancy.Tenancy) map[string][]string {
	podsByNS := map[string][]*corev1.Pod{}
	for i := range snap.Pods {
		if p := &snap.Pods[i]; live(p) {
			podsByNS[p.Namespace] = append(podsByNS[p.Namespace], p)
		}
	}
	addressed := map[string]bool{} // namespace/service with a listed address
	for i := range snap.Endpoints {
		e := &snap.Endpoints[i]
		for _, s := range e.Subsets {
			if len(s.Addresses)+len(s.NotReadyAddresses) > 0 {
				addressed[e.Namespace+"/"+e.Name] = true
			}
		}
	}
	for i := range snap.EndpointSlices {
		e := &snap.EndpointSlices[i]
		if svc := e.Labels[discoveryv1.LabelServiceName]; svc != "" && len(e.Endpoints) > 0 {
			addressed[e.Namespace+"/"+svc] = true
		}
	}
	out := map[string][]string{}
	for i := range snap.Services {
		s := &snap.Services[i]
		if s.Spec.ClusterIP != corev1.ClusterIPNone || s.Spec.Type == corev1.ServiceTypeExternalName || ten.IsSystem(s.Namespace) {
			continue
		}
		backed := addressed[s.Namespace+"/"+s.Name]
		if len(s.Spec.Selector) > 0 {
			sel := labels.SelectorFromSet(s.Spec.Selector)
			for _, p := range podsByNS[s.Namespace] {
				if sel.Matches(labels.Set(p.Labels)) {
					backed = true
					break
				}
			}
		}
		if backed {
			out[s.Namespace] = append(out[s.Namespace], s.Name)
		}
	}
	for ns := range out {
		sort.Strings(out[ns])
	}
	return out
}
