// Package exposure reports what DNS and Services reveal or open across
// tenants, beyond NetworkPolicy: what the CoreDNS Corefile lets any pod look
// up (pod records, reverse zones), headless services publishing pod
// addresses, Services that claim external IPs (CVE-2020-8554), alias
// another namespace (ExternalName), open node ports, and hand-written
// Endpoints or EndpointSlices that point at another tenant's pods
// (CVE-2021-25740), and Ingresses of different tenants claiming the same
// host.
//
// Like every engine it is pure: snapshot in, findings out.
package exposure
