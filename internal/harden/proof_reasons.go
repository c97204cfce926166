package harden

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	svcfind "github.com/bulkhead-dev/bulkhead/internal/service"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// reasons says, for each layer that keeps a pair breached after the safe
// objects, why harden could not close it on its own, from the pair's
// witness and what the plan left for review or for owners.
func reasons(c *attackpath.Cell, plan Plan, host map[string]bool) []string {
	var hops []attackpath.Hop
	if c.Witness != nil {
		hops = c.Witness.Hops
	}
	var out []string
	for _, l := range c.Layers {
		switch l {
		case finding.Node:
			out = append(out, nodeReasons(hops, plan)...)
		case finding.Network:
			out = append(out, networkReasons(hops, host, c.Findings, plan, c.Target == tenancy.Platform)...)
		case finding.API:
			if !plan.made(RBAC) {
				out = append(out, "api: granted through RBAC; narrower bindings were not asked for (--layers without rbac)")
				continue
			}
			out = append(out, proposed(plan, RBAC, c.Findings,
				"api: granted through RBAC; harden only proposes narrower bindings, for review",
				"api: granted through RBAC that harden leaves alone (system or platform bindings, see the notes)"))
		case finding.DNS:
			out = append(out, proposed(plan, DNS, nil,
				"dns: the Corefile change that closes it is a proposal, for review",
				"dns: names and addresses are discoverable through the cluster DNS, which no NetworkPolicy hides"))
		}
	}
	return out
}

// nodeReasons explains each pod of the witness that escapes to its node:
// running pods stay until replaced, whatever their namespace's new level.
func nodeReasons(hops []attackpath.Hop, plan Plan) []string {
	var out []string
	for _, h := range hops {
		if h.Type != attackpath.EscapesToNode && h.Type != attackpath.PrivilegedPod {
			continue
		}
		who := h.From.String()
		if h.From.Namespace != "" {
			who = fmt.Sprintf("pod %s/%s", h.From.Namespace, h.From.Name)
		}
		why := fmt.Sprintf("node: %s escapes to its node", who)
		var refused []string
		for _, w := range plan.Work {
			if w.Namespace == h.From.Namespace && runs(w.Object, h.From.Name) {
				refused = append(refused, w.Object)
			}
		}
		switch {
		case !plan.made(PodSecurity):
			why += "; Pod Security labels were not asked for (--layers without pod-security)"
		case len(refused) > 0:
			why += fmt.Sprintf("; it stays until it is replaced (a Pod Security label evicts nothing), and namespace %s's new level refuses it when it is re-created (work for owners: %s)", h.From.Namespace, strings.Join(refused, ", "))
		default:
			why += "; its namespace's Pod Security level still admits it (--allow-privileged, or an existing label harden never lowers)"
		}
		if slices.ContainsFunc(plan.Proposals, func(p Proposal) bool { return p.Layer == Node }) {
			why += "; moving it to dedicated nodes is proposed, for review"
		}
		out = append(out, why)
	}
	if len(out) == 0 {
		out = append(out, "node: a pod of the source escapes to a node that runs the target's pods (bulkhead paths shows which)")
	}
	return out
}

// runs reports whether a workload ("Pod/web", "Deployment/web") runs the
// pod of a name: the pod itself, or one its controller named after it.
func runs(workload, pod string) bool {
	kind, name, ok := strings.Cut(workload, "/")
	if !ok {
		return false
	}
	if kind == "Pod" {
		return name == pod
	}
	return pod == name || strings.HasPrefix(pod, name+"-")
}

// networkReasons explains the witness's network hops and the pair's
// Service findings, which no NetworkPolicy closes; host holds the
// "namespace/name" of the pods on the host network; platform says the
// target is the platform tenant.
func networkReasons(hops []attackpath.Hop, host map[string]bool, ids []string, plan Plan, platform bool) []string {
	out := serviceReasons(ids, plan, platform)
	for _, h := range hops {
		switch h.Type {
		case attackpath.ReachesFromNode:
			out = append(out, fmt.Sprintf("network: %s is on the host network, outside pod NetworkPolicy: it reaches the pods of its node", h.From))
		case attackpath.Reaches:
			if to := h.To; to.Kind == attackpath.Pod && host[to.Namespace+"/"+to.Name] {
				out = append(out, fmt.Sprintf("network: %s is on the host network, outside pod NetworkPolicy: whatever may reach its node's address reaches it (%s does)", to, h.From))
				continue
			}
			out = append(out, fmt.Sprintf("network: %s reaches %s through a policy the cluster already has or an --allow-flows entry; harden keeps both as they are", h.From, h.To))
		}
	}
	if len(out) == 0 {
		out = append(out, "network: a flow the safe objects leave open: a policy the cluster already has, an --allow-flows entry, or a namespace left as it is (see the notes; bulkhead reach shows which)")
	}
	return out
}

// serviceReasons explains the Service findings that join a pair: they
// are about Services, not about pod traffic that a NetworkPolicy allows.
// platform says the target is the platform tenant, whose shared services
// are declared so already.
func serviceReasons(ids []string, plan Plan, platform bool) []string {
	declare := "; declare the namespace with --platform-namespaces if it is a shared service"
	if platform {
		declare = "; the namespace is declared platform: a shared service keeps its node ports, which its own NetworkPolicy can still narrow"
	}
	var out []string
	for _, id := range ids {
		switch id {
		case svcfind.IDNodePort:
			out = append(out, "network: a NodePort or LoadBalancer Service of the target ("+id+") opens ports on every node, which NetworkPolicy does not cover, and its namespace keeps its ingress as it is so that traffic from outside the cluster still reaches it (see the notes)"+
				proposed(plan, Quota, []string{id}, "; making it a ClusterIP Service is proposed, for review", declare))
		case svcfind.IDExternalIPs:
			out = append(out, "network: a Service sets externalIPs ("+id+"), which takes traffic sent to those addresses whatever NetworkPolicy says"+
				proposed(plan, Quota, []string{id}, "; removing them is proposed, for review", ""))
		case svcfind.IDForeignEndpoints:
			out = append(out, "network: Endpoints or an EndpointSlice name another tenant's pods ("+id+"), which no NetworkPolicy undoes"+
				proposed(plan, Quota, []string{id}, "; deleting them is proposed, for review", ""))
		case svcfind.IDExternalName, svcfind.IDIngressHost:
			out = append(out, "network: a Service or Ingress names another tenant's ("+id+"), which no NetworkPolicy undoes; its owner must change it")
		}
	}
	return out
}

// proposed says yes when the plan has a proposal of the layer (closing one
// of ids, when given), no otherwise.
func proposed(plan Plan, l Layer, ids []string, yes, no string) string {
	for _, p := range plan.Proposals {
		if p.Layer != l {
			continue
		}
		if len(ids) == 0 || slices.ContainsFunc(p.Closes, func(id string) bool { return slices.Contains(ids, id) }) {
			return yes
		}
	}
	return no
}

// reviewedReasons says why a pair stays breached with the reviewed
// proposals too, for the layers whose proposal does not close it alone:
// the node layer, from the reviewed matrix's witness.
func reviewedReasons(c *attackpath.Cell) []string {
	if !slices.Contains(c.Layers, finding.Node) {
		return nil
	}
	var hops []attackpath.Hop
	if c.Witness != nil {
		hops = c.Witness.Hops
	}
	var who, node string
	for _, h := range hops {
		switch h.Type {
		case attackpath.EscapesToNode, attackpath.PrivilegedPod:
			if who == "" {
				who, node = h.From.String(), h.To.Name
			}
		case attackpath.NodeRunsPod:
			node = h.From.Name
		}
	}
	switch {
	case who == "":
		return []string{"node: a pod of the source still escapes to a node that runs the target's pods (bulkhead paths --with shows which)"}
	case c.Target == tenancy.Cluster:
		return []string{fmt.Sprintf("node: %s still escapes to the node it runs on, which is the cluster tenant's: dedicated nodes keep other tenants off it, not the node itself; moving the workload to a namespace of the cluster tenant, or dropping its privileges, closes it", who)}
	case node == attackpath.AnyNode:
		return []string{fmt.Sprintf("node: the input names no node to dedicate, so the proof cannot place %s apart from the target's pods: the pair closes only once a node is labelled and tainted as the node proposal says and the workload re-created there", who)}
	}
	return []string{fmt.Sprintf("node: Node/%s still runs pods of both tenants (%s escapes to it): the taint keeps new pods off and moves none already there; drain the node", node, who)}
}
