// Package scalegen writes a synthetic cluster shaped like a big shared
// production cluster, for the scale benchmarks of issue 11: tenants of five
// namespaces, each with five Deployments of four running replicas (real
// Pods with their own IP from their node's podCIDR and a nodeName), ~80
// pods per node, a Service and EndpointSlice per Deployment, a realistic
// set of NetworkPolicies per namespace (default deny, same namespace,
// ingress controller, DNS, ipBlocks), cross-tenant allows,
// AdminNetworkPolicies and the BaselineAdminNetworkPolicy, ~25 RoleBindings
// per tenant over ~300 ClusterRoles, 1% privileged or hostPath workloads,
// and the platform: CoreDNS, kube-proxy, an ingress controller and node
// exporters.
//
// The output is deterministic for a Config (the seed drives every choice),
// valid for the API server (bulkhead's loader reports no Problem for it),
// and streamed object by object to an io.Writer as multi-document YAML or
// one JSON List, so that a 100,000-pod cluster never sits in memory as
// text. Tenants sets the size: 100 pods per tenant, so 100 tenants are
// 10,000 pods and 1,000 tenants the 100,000.
package scalegen
