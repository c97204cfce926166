// Package node is bulkhead's node isolation engine. Kubernetes namespaces
// do nothing for the node: a pod that can escape its container reaches every
// pod scheduled beside it, their service-account tokens and the kubelet's
// credentials. The engine reads a snapshot and its tenancy and reports
//
//   - the Pod Security level each namespace enforces, and each pod's
//     verdict against baseline and restricted at that namespace's version
//     (through k8s.io/pod-security-admission/policy, never re-implemented);
//   - the ways each pod reaches its node beyond what Pod Security names
//     (hostPath targets, PersistentVolumes, capabilities, host probes, ...);
//   - which tenants may share a node (CoLocation), from pods' nodeName on a
//     live snapshot or from scheduling constraints offline;
//   - tenant-relative findings joining the three.
//
// Analyze returns a Result. Its facts are for the attack-path engine:
// Result.Pods (each pod's Verdict, Escapes, Reach, Placement, ServiceAccount
// and TokenPowers; Escaping lists the pods that are root on their node),
// Result.CoLocation (Share, Neighbours, OnNode: which tenants may share a
// node) and Result.Namespaces (each namespace's Pod Security policy;
// Unenforced lists those that admit privileged pods).
//
// The engine is pure and deterministic: snapshot and tenancy in, facts and
// findings out.
package node
