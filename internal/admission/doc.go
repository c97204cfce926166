// Package admission decides, object by object, whether the API server
// should store an object a tenant sends it: the validating webhook of
// `bulkhead serve` asks it about every request it is sent.
//
// Decide judges the object against a snapshot of the cluster (the
// webhook's informer caches) with the per-object judgements of the
// engines: node.Judge for Pods and the pod templates of workload
// controllers, rbac.Authorizer.JudgeBinding for RoleBindings and
// ClusterRoleBindings, the Service checks of package service, and the
// tenancy for Namespaces (a relabelling into another tenant, a lowered Pod
// Security enforce label, through the object or its status and finalize
// subresources). It does not re-run the whole analysis: what depends on
// several objects together (co-location of pods, chains of bindings) is
// the audit's.
//
// Each rule is enforced (denied), warned (admission warnings) or audited
// (audit annotations) as the configuration says (Config); a dry-run
// configuration denies nothing and warns what it would deny. A request in
// a namespace whose tenant cannot be resolved is denied.
//
// The package is pure: no client-go, no clock, no I/O. The webhook server
// (internal/cmd/serve) decodes requests and feeds it snapshots.
package admission
