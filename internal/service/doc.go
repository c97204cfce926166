// Package service judges the network paths Services and Ingresses open
// across tenants beyond NetworkPolicy: Services that claim external IPs
// (CVE-2020-8554), alias another namespace (ExternalName) or open node
// ports, hand-written Endpoints or EndpointSlices that point at another
// tenant's pods (CVE-2021-25740), and Ingresses of different tenants
// claiming the same host.
//
// Like every engine it is pure: snapshot in, findings out.
package service
