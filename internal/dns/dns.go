package dns

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Analyze reports what a snapshot's DNS reveals across tenants: the
// Corefile's pod records and reverse zones, and headless Services.
func Analyze(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	out := dnsFindings(snap)
	out = append(out, headless(snap, ten)...)
	finding.Sort(out)
	return out
}

// CorefileNamespace and CorefileName name the ConfigMap of CoreDNS's
// Corefile, the one ConfigMap the analyses read.
const (
	CorefileNamespace = "kube-system"
	CorefileName      = "coredns"
)

// corefile returns the CoreDNS ConfigMap and its Corefile, if present.
func corefile(snap *snapshot.Snapshot) (*corev1.ConfigMap, string, bool) {
	for i := range snap.ConfigMaps {
		cm := &snap.ConfigMaps[i]
		if cm.Namespace == CorefileNamespace && cm.Name == CorefileName {
			text, ok := cm.Data["Corefile"]
			return cm, text, ok
		}
	}
	return nil, "", false
}

// dnsFindings reads the CoreDNS Corefile:
//
//	"pods POD-MODE sets the mode for handling IP-based pod A records, e.g.
//	1-2-3-4.ns.pod.cluster.local. in A 1.2.3.4. ... disabled: Default. Do
//	not process pod requests, always returning NXDOMAIN. insecure: Always
//	return an A record with IP from request (without checking k8s). ...
//	verified: Return an A record if there exists a pod in same namespace
//	with matching IP."
func dnsFindings(snap *snapshot.Snapshot) []finding.Finding {
	cm, text, ok := corefile(snap)
	if !ok {
		return nil
	}
	ref := finding.Ref{Kind: "ConfigMap", Namespace: cm.Namespace, Name: cm.Name}
	var out []finding.Finding
	for _, k := range parseCorefile(text) {
		where := fmt.Sprintf("Corefile line %d (server %s)", k.Line, k.Server)
		switch k.Pods {
		case "insecure":
			out = append(out, finding.Finding{
				ID: rulePodRecords.ID, Severity: rulePodRecords.Severity, Category: rulePodRecords.Category,
				Reason: "CoreDNS answers pod-style names for any address in any namespace (pods insecure): names can be spoofed",
				Detail: "With `pods insecure` the kubernetes plugin answers any pod-style name A-B-C-D.NAMESPACE.pod.<zone> with the address A.B.C.D, for any address and in any namespace's zone, without checking that such a pod exists. " +
					"So any pod can make a name in another tenant's zone (10-0-0-5.team-b.pod.cluster.local) resolve to an address of its choosing, which defeats checks that trust names in that zone (certificates, allow-lists). This is spoofing, not discovery: the answers reveal no pod, since every address gets one. " +
					"The mode exists for compatibility with kube-dns.",
				Objects:     []finding.Ref{ref},
				Witness:     []finding.Step{{Object: ref, Fact: fmt.Sprintf("%s line %d: pods insecure", where, k.PodsLine)}},
				Remediation: "Set `pods disabled` (or `pods verified` if workloads need pod records) in the kubernetes block of the Corefile.",
			})
		case "verified":
			out = append(out, finding.Finding{
				ID: rulePodRecords.ID, Severity: finding.Low, Category: rulePodRecords.Category,
				Reason:      "CoreDNS confirms which addresses are pods of which namespace (pods verified): a sweep finds every tenant's pods",
				Detail:      "With `pods verified` the kubernetes plugin answers A-B-C-D.NAMESPACE.pod.<zone> only when a pod of that namespace has that address. A prober sweeping the pod network's addresses through another tenant's namespace learns which addresses are its pods (discovery), without any API access.",
				Objects:     []finding.Ref{ref},
				Witness:     []finding.Step{{Object: ref, Fact: fmt.Sprintf("%s line %d: pods verified", where, k.PodsLine)}},
				Remediation: "Set `pods disabled` unless workloads depend on pod A records.",
			})
		}
		if rz := k.reverseZones(); len(rz) > 0 {
			what := "every Service (and, with pod records enabled, every pod)"
			if k.Pods == "disabled" {
				what = "every Service and endpoint"
			}
			out = append(out, finding.Finding{
				ID: ruleReverseZones.ID, Severity: ruleReverseZones.Severity, Category: ruleReverseZones.Category,
				Reason:      fmt.Sprintf("CoreDNS serves reverse (PTR) zones %s to every pod", strings.Join(rz, ", ")),
				Detail:      fmt.Sprintf("The kubernetes plugin is authoritative for %s, so a PTR sweep of the service and pod ranges names %s of every tenant (discovery): namespaces, service names and the pods behind Services of others are one loop of lookups away.", strings.Join(rz, " and "), what),
				Objects:     []finding.Ref{ref},
				Witness:     []finding.Step{{Object: ref, Fact: fmt.Sprintf("%s: kubernetes %s", where, strings.Join(k.Zones, " "))}},
				Remediation: "Drop in-addr.arpa and ip6.arpa from the kubernetes plugin's zones unless something relies on reverse lookups of cluster addresses (its fallthrough may keep them: it only matters for zones the plugin serves).",
			})
		}
	}
	return out
}

// headless reports, per tenant namespace, the headless services with pods
// behind them, whose DNS names list those pods to any pod of any tenant.
// A headless Service without pods publishes nothing.
func headless(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	byNS := backedHeadless(snap, ten)
	nss := make([]string, 0, len(byNS))
	for ns := range byNS {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	var out []finding.Finding
	for _, ns := range nss {
		names := byNS[ns]
		var objs []finding.Ref
		var steps []finding.Step
		for _, n := range names {
			r := finding.Ref{Kind: "Service", Namespace: ns, Name: n}
			objs = append(objs, r)
			steps = append(steps, finding.Step{Object: r, Fact: "clusterIP: None, with pods; " + n + "." + ns + ".svc answers with every ready pod address"})
		}
		out = append(out, finding.Finding{
			ID: ruleHeadlessService.ID, Severity: ruleHeadlessService.Severity, Category: ruleHeadlessService.Category, SourceTenant: "*", TargetTenant: ten.Of(ns),
			Reason:      fmt.Sprintf("headless services of namespace %s publish their pods to every tenant (%s)", ns, strings.Join(names, ", ")),
			Detail:      "A headless Service's name resolves to the addresses of its pods, its SRV records (_port._proto.SERVICE.NAMESPACE.svc.<zone>, one per named port) list a name per pod, and StatefulSet pods get stable names (POD.SERVICE.NAMESPACE.svc.<zone>). Cluster DNS answers any pod of any namespace, so other tenants enumerate these pods (discovery) without any API access.",
			Objects:     objs,
			Witness:     steps,
			Remediation: "Give the Service a cluster IP unless clients need individual pod addresses, and isolate the pods with NetworkPolicy so that knowing the addresses does not help.",
		})
	}
	return out
}
