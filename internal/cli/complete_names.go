package cli

import (
	"strings"

	"github.com/spf13/cobra"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// noFiles is the directive of every snapshot completion: names, never
// file names.
const noFiles = cobra.ShellCompDirectiveNoFileComp

// CompleteNamespaces completes a namespace (-n, --namespace).
var CompleteNamespaces = fromSnapshot(func(snap *snapshot.Snapshot, ten *tenancy.Tenancy, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return matching(namespacesOf(snap, ten), toComplete), noFiles
})

// CompleteTenants completes a tenant (audit --tenant).
var CompleteTenants = fromSnapshot(func(_ *snapshot.Snapshot, ten *tenancy.Tenancy, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return matching(tenantsOf(ten, true), toComplete), noFiles
})

// CompletePathSources completes paths --from: a tenant, or a subject as
// paths reads it (User:NAME, Group:NAME, ServiceAccount:NS/NAME).
var CompletePathSources = fromSnapshot(func(snap *snapshot.Snapshot, ten *tenancy.Tenancy, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	out := tenantsOf(ten, false)
	for _, s := range subjectsOf(snap) {
		switch s.Kind {
		case rbacv1.UserKind, rbacv1.GroupKind:
			out = append(out, s.Kind+":"+s.Name+"\t"+strings.ToLower(s.Kind))
		case rbacv1.ServiceAccountKind:
			out = append(out, s.Kind+":"+s.Namespace+"/"+s.Name+"\tservice account")
		}
	}
	return matching(out, toComplete), noFiles
})

// CompletePathTargets completes paths --to: a tenant or cluster-admin.
var CompletePathTargets = fromSnapshot(func(_ *snapshot.Snapshot, ten *tenancy.Tenancy, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	out := append(tenantsOf(ten, false), "cluster-admin\tfull control of the cluster")
	return matching(out, toComplete), noFiles
})

// CompleteUsers completes can-i --as: the users the cluster's bindings
// name, and every service account as system:serviceaccount:NS:NAME.
var CompleteUsers = fromSnapshot(func(snap *snapshot.Snapshot, _ *tenancy.Tenancy, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, s := range subjectsOf(snap) {
		switch s.Kind {
		case rbacv1.UserKind:
			out = append(out, s.Name+"\tuser")
		case rbacv1.ServiceAccountKind:
			out = append(out, "system:serviceaccount:"+s.Namespace+":"+s.Name+"\tservice account")
		}
	}
	return matching(out, toComplete), noFiles
})

// CompleteGroups completes can-i --as-group: the groups the cluster's
// bindings name.
var CompleteGroups = fromSnapshot(func(snap *snapshot.Snapshot, _ *tenancy.Tenancy, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, s := range subjectsOf(snap) {
		if s.Kind == rbacv1.GroupKind {
			out = append(out, s.Name)
		}
	}
	return matching(out, toComplete), noFiles
})

// CompleteEndpoints completes reach's SRC and DST: first a namespace
// ("NS/"), then the pods of that namespace ("NS/POD"). Addresses are not
// completed; --matrix takes no arguments.
func CompleteEndpoints(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if matrix, _ := cmd.Flags().GetBool("matrix"); matrix || len(args) >= 2 {
		return nil, noFiles
	}
	return completeEndpoint(cmd, args, toComplete)
}

var completeEndpoint = fromSnapshot(func(snap *snapshot.Snapshot, ten *tenancy.Tenancy, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	ns, _, pod := strings.Cut(toComplete, "/")
	if !pod {
		var out []string
		for _, n := range namespacesOf(snap, ten) {
			name, desc, _ := strings.Cut(n, "\t")
			out = append(out, name+"/\t"+desc)
		}
		return matching(out, toComplete), noFiles | cobra.ShellCompDirectiveNoSpace
	}
	var out []string
	for i := range snap.Pods {
		if p := &snap.Pods[i]; p.Namespace == ns {
			out = append(out, p.Namespace+"/"+p.Name)
		}
	}
	return matching(out, toComplete), noFiles
})

// verbs are the API verbs RBAC rules name, for can-i's and who-can's VERB.
var verbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
	"impersonate", "bind", "escalate", "approve", "sign", "use", "proxy", "*"}

// CompleteVerb completes the VERB of can-i and who-can; the TYPE after it
// is not completed.
func CompleteVerb(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, noFiles
	}
	return matching(verbs, toComplete), noFiles
}

// subjectsOf lists the subjects of every binding and every service
// account of the snapshot, service accounts of a binding without a
// namespace in the binding's.
func subjectsOf(snap *snapshot.Snapshot) []rbacv1.Subject {
	var out []rbacv1.Subject
	add := func(ns string, subjects []rbacv1.Subject) {
		for _, s := range subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
				s.Namespace = ns
			}
			if s.Name != "" && (s.Kind != rbacv1.ServiceAccountKind || s.Namespace != "") {
				out = append(out, s)
			}
		}
	}
	for i := range snap.RoleBindings {
		add(snap.RoleBindings[i].Namespace, snap.RoleBindings[i].Subjects)
	}
	for i := range snap.ClusterRoleBindings {
		add("", snap.ClusterRoleBindings[i].Subjects)
	}
	for i := range snap.ServiceAccounts {
		sa := &snap.ServiceAccounts[i]
		out = append(out, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: sa.Namespace, Name: sa.Name})
	}
	return out
}
