package service

import (
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// claim is one Ingress rule's host within an ingress class.
type claim struct {
	class, host string
	ing         *networkingv1.Ingress
	tenant      string
	paths       []string
}

func ingressClass(ing *networkingv1.Ingress) string {
	if ing.Spec.IngressClassName != nil {
		return *ing.Spec.IngressClassName
	}
	return ing.Annotations["kubernetes.io/ingress.class"]
}

// hostMatches reports whether a wildcard host ("*.example.com", one label)
// covers host.
func hostMatches(wildcard, host string) bool {
	if !strings.HasPrefix(wildcard, "*.") || strings.HasPrefix(host, "*.") {
		return false
	}
	i := strings.IndexByte(host, '.')
	return i > 0 && host[i:] == wildcard[1:]
}

// ingressHosts reports hosts that Ingresses of different tenants claim in
// the same ingress class: the controller merges or picks between them, so
// one tenant can take over another's traffic (and TLS hosts).
func ingressHosts(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	var claims []claim
	for i := range snap.Ingresses {
		ing := &snap.Ingresses[i]
		seen := map[string]bool{}
		for _, r := range ing.Spec.Rules {
			host := strings.ToLower(r.Host)
			var paths []string
			if r.HTTP != nil {
				for _, p := range r.HTTP.Paths {
					paths = append(paths, p.Path)
				}
			}
			if seen[host] {
				continue
			}
			seen[host] = true
			claims = append(claims, claim{class: ingressClass(ing), host: host, ing: ing, tenant: ten.Of(ing.Namespace), paths: paths})
		}
	}
	type key struct{ class, host string }
	exact := map[key][]claim{}
	var keys []key
	for _, c := range claims {
		k := key{c.class, c.host}
		if exact[k] == nil {
			keys = append(keys, k)
		}
		exact[k] = append(exact[k], c)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].class != keys[j].class {
			return keys[i].class < keys[j].class
		}
		return keys[i].host < keys[j].host
	})
	var out []finding.Finding
	for _, k := range keys {
		cs := exact[k]
		if tenantsOf(cs) > 1 {
			out = append(out, collision(k.class, k.host, cs, ruleIngressHost.Severity,
				"Ingresses of several tenants claim the same host: the controller merges their rules or picks one of them, so each tenant can route the other's traffic (and serve its TLS host) to its own Service."))
		}
	}
	// A wildcard host of one tenant covers exact hosts of others.
	for _, k := range keys {
		if !strings.HasPrefix(k.host, "*.") {
			continue
		}
		for _, k2 := range keys {
			if k2.class != k.class || !hostMatches(k.host, k2.host) {
				continue
			}
			cs := append(append([]claim(nil), exact[k]...), exact[k2]...)
			if tenantsOf(cs) > 1 {
				out = append(out, collision(k.class, k2.host+" (and "+k.host+")", cs, finding.Medium,
					"A wildcard host of one tenant covers an exact host of another: the exact host usually wins, so its owner takes that name out of the wildcard's traffic, and the wildcard's owner gets any of its paths the exact host lacks."))
			}
		}
	}
	return out
}

func tenantsOf(cs []claim) int {
	ts := map[string]bool{}
	for _, c := range cs {
		ts[c.tenant] = true
	}
	return len(ts)
}

func collision(class, host string, cs []claim, sev finding.Severity, detail string) finding.Finding {
	var objs []finding.Ref
	var steps []finding.Step
	var tenants []string
	seen := map[string]bool{}
	for _, c := range cs {
		r := finding.Ref{Kind: "Ingress", Namespace: c.ing.Namespace, Name: c.ing.Name}
		objs = append(objs, r)
		fact := fmt.Sprintf("tenant %s claims host %q", c.tenant, c.host)
		if c.host == "" {
			fact = fmt.Sprintf("tenant %s claims every host (rule without host)", c.tenant)
		}
		if len(c.paths) > 0 {
			fact += " paths " + strings.Join(c.paths, ", ")
		}
		steps = append(steps, finding.Step{Object: r, Fact: fact})
		if !seen[c.tenant] {
			seen[c.tenant] = true
			tenants = append(tenants, c.tenant)
		}
	}
	name := host
	if host == "" {
		name = "every host (rules without host)"
	}
	cls := "ingress class " + class
	if class == "" {
		cls = "the default ingress class"
	}
	sort.Strings(tenants)
	return finding.Finding{
		ID: ruleIngressHost.ID, Severity: sev, Category: ruleIngressHost.Category,
		// Each claimant can take the others' traffic.
		SourceTenant: "*", TargetTenant: "*", SourceTenants: tenants, TargetTenants: tenants,
		Reason:      fmt.Sprintf("Ingresses of tenants %s claim %s in %s", strings.Join(tenants, ", "), name, cls),
		Detail:      detail,
		Objects:     objs,
		Witness:     steps,
		Remediation: "Give each tenant its own hosts (or its own ingress class) and enforce it at admission, for example with a policy that binds hosts to namespaces.",
	}
}
