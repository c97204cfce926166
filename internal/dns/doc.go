// Package dns judges what the cluster's DNS reveals across tenants: what
// the CoreDNS Corefile lets any pod look up (pod records, spoofable with
// `pods insecure`; reverse zones) and headless Services publishing a
// tenant's pod addresses. Exposures gives the same facts to the attack
// graph, which marks the tenant pairs they join.
//
// Like every engine it is pure: snapshot in, findings out.
package dns
