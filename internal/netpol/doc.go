// Package netpol decides which pods can open connections to which pods and
// external addresses under Kubernetes NetworkPolicy (networking.k8s.io/v1),
// AdminNetworkPolicy and BaselineAdminNetworkPolicy
// (policy.networking.k8s.io/v1alpha1), and explains every verdict with the
// policies and rules that produced it.
//
// Compile groups pods into equivalence classes: pods that every selector,
// ipBlock, named port and node fact treats alike share a class. Ports are
// atomised per protocol into disjoint intervals and IP addresses outside the
// pods into disjoint blocks, so the whole cluster becomes one bitset matrix
// per port interval, computed per class and never per pod pair. A verdict
// for one pair is re-derived from the class's own rule lists, which gives
// its witness: the deciding rule on the egress side and on the ingress side,
// or "not isolated".
//
// Semantics follow the design notes (DESIGN.md, "NetworkPolicy networking.k8s.io/v1"):
//
//   - policyTypes omitted = [Ingress] plus Egress iff egress is non-empty;
//   - a pod is isolated per direction iff some policy selects it for that
//     direction; a connection needs source egress AND destination ingress;
//   - empty from/to = every peer, including external addresses; empty ports =
//     every port; peers are ORed; podSelector and namespaceSelector in one
//     peer are ANDed; a podSelector alone means the policy's namespace;
//   - named ports resolve against the destination pod's container ports;
//   - ipBlock matches pod IPs unless Options.IPBlockMatchesPods is false;
//     a pod whose address the input does not give is in a block only when
//     the block covers every pod address (0.0.0.0/0, ::/0); for other
//     blocks Verdict.Notes and Model.Notes say the answer depends on it;
//   - traffic to the cluster DNS pods on their DNS ports is name
//     resolution (Model.DNSOnly): no cross-tenant finding;
//   - AdminNetworkPolicy rules are evaluated by priority (lower first), first
//     match wins; Allow and Deny are final, Pass hands the decision to
//     NetworkPolicy; pods no NetworkPolicy isolates fall to the
//     BaselineAdminNetworkPolicy "default", then to allow.
//
// Pods on the host network are outside pod policy: their egress is never
// restricted, policies that select them have no effect, pod selectors never
// match them as peers, and their traffic carries their node's IP (so only
// ipBlock peers covering that IP, or rules admitting every peer, match
// them). Traffic from a pod's own node is always allowed; bulkhead applies
// that rule only when both pods name the same node, since co-location is
// otherwise unknown.
//
// ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) is not modelled:
// no released version of sigs.k8s.io/network-policy-api ships its types.
package netpol
