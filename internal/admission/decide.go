package admission

import (
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Decision is the answer to a request.
type Decision struct {
	Allowed bool
	// Message is the denial: one line per enforced rule broken.
	Message string
	// Warnings are sent back to the client (kubectl prints them): rules
	// in warn mode, and in dry-run what would have been denied.
	Warnings []string
	// Violations lists every rule the request breaks, with the mode it
	// was judged in; those in audit mode go to the audit log.
	Violations []Violation
}

// Violation is one rule a request breaks.
type Violation struct {
	Rule string
	Mode Mode
	// Source is the tenant that gains; Target the tenant (or "node", or
	// "*" for every tenant) exposed. Either may be empty.
	Source, Target string
	// Object names the object judged: "Pod team-a/busybox".
	Object string
	// Fields are the paths of the object that break the rule, with their
	// values.
	Fields []string
	// Reason says what the object would do; Fix how to make it pass.
	Reason, Fix string
}

// maxFields bounds the fields a message names.
const maxFields = 5

// Message is the violation in one readable line: rule, tenant pair,
// object and reason, fields, fix.
func (v Violation) Message() string {
	var b strings.Builder
	b.WriteString(v.Rule)
	if pair := v.pair(); pair != "" {
		b.WriteString(" (" + pair + ")")
	}
	b.WriteString(": " + strings.TrimSuffix(v.Reason, "."))
	if len(v.Fields) > 0 {
		fs := v.Fields
		more := ""
		if len(fs) > maxFields {
			more = fmt.Sprintf(" and %d more", len(fs)-maxFields)
			fs = fs[:maxFields]
		}
		b.WriteString(" [" + strings.Join(fs, ", ") + more + "]")
	}
	if v.Fix != "" {
		b.WriteString("; fix: " + strings.TrimSuffix(v.Fix, "."))
	}
	return b.String()
}

func (v Violation) pair() string {
	switch {
	case v.Source != "" && v.Target != "":
		return tenant(v.Source) + " → " + target(v.Target)
	case v.Source != "":
		return tenant(v.Source)
	case v.Target != "":
		return target(v.Target)
	}
	return ""
}

func tenant(t string) string {
	if t == "*" {
		return "every tenant"
	}
	return "tenant " + t
}

func target(t string) string {
	if t == targetNode {
		return "its node and every tenant on it"
	}
	return tenant(t)
}

// targetNode is the Target of an escape to the node.
const targetNode = "node"

// Decide answers a request: admitted, or denied with the rules it breaks.
// Objects of kinds it does not judge, deletions, and the requests of
// exempt users are admitted; a request in a namespace whose tenant cannot
// be resolved is denied.
func (a *Admission) Decide(req Request) Decision {
	if !Judged(req.Kind) || req.Object == nil || (req.Operation != Create && req.Operation != Update) {
		return Decision{Allowed: true}
	}
	if a.cfg.Exempts(req.User) || controllerMade(req) {
		return Decision{Allowed: true}
	}
	return a.decision(a.violations(req))
}

// madeBy are the owners whose objects each built-in controller of
// kube-controller-manager creates, by the controller's service account
// (--use-service-account-credentials, the default of kubeadm and the
// managed clusters).
//
// Only owners the webhook judges count: a ReplicationController is not
// judged, so its pods are, whoever creates them.
var madeBy = map[string][]string{
	"replicaset-controller":  {"ReplicaSet"},
	"deployment-controller":  {"Deployment"},
	"statefulset-controller": {"StatefulSet"},
	"daemon-set-controller":  {"DaemonSet"},
	"job-controller":         {"Job"},
	"cronjob-controller":     {"CronJob"},
}

// controllerManager is kube-controller-manager's own user, which its
// controllers act as without --use-service-account-credentials.
const controllerManager = "system:kube-controller-manager"

// controllerMade reports whether a request creates an object a built-in
// controller makes from its owner's template: a ReplicaSet's pod, a
// Deployment's ReplicaSet, a CronJob's Job. The template was judged when
// the owner was written (or the owner predates the webhook, or an exempt
// user wrote it): its pods are what the owner already is, so that a
// workload admitted before the webhook can still be scaled and rolled
// out, and a controller's write is never refused for its owner's sake.
func controllerMade(req Request) bool {
	if req.Operation != Create {
		return false
	}
	obj, ok := req.Object.(metav1.Object)
	if !ok {
		return false
	}
	owner := metav1.GetControllerOfNoCopy(obj)
	if owner == nil {
		return false
	}
	if req.User.Name == controllerManager {
		for _, kinds := range madeBy {
			if slices.Contains(kinds, owner.Kind) {
				return true
			}
		}
		return false
	}
	name, ok := strings.CutPrefix(req.User.Name, "system:serviceaccount:kube-system:")
	return ok && slices.Contains(madeBy[name], owner.Kind)
}

// violations judges the request's object; on an update, what the stored
// object already broke is not held against the change.
func (a *Admission) violations(req Request) []Violation {
	if _, ok := req.Object.(*corev1.Namespace); ok {
		return a.namespace(req)
	}
	if req.Namespace != "" {
		if a.ten.IsSystem(req.Namespace) {
			return nil
		}
		if !a.known[req.Namespace] {
			return []Violation{unresolved(req)}
		}
		if claims, ok := a.ten.Contested(req.Namespace); ok {
			return []Violation{contested(req, claims)}
		}
	}
	vs := a.object(req.Namespace, req.Object)
	if req.Operation == Update && req.OldObject != nil && len(vs) > 0 {
		vs = without(vs, a.object(req.Namespace, req.OldObject))
	}
	return vs
}

// object judges one object of a judged kind but Namespace.
func (a *Admission) object(namespace string, obj runtime.Object) []Violation {
	switch o := obj.(type) {
	case *corev1.Pod:
		p := o
		if p.Namespace == "" {
			p = p.DeepCopy()
			p.Namespace = namespace
		}
		return append(a.pod(p), a.podJoins(p, workloadObject(p))...)
	case *corev1.Service:
		return a.service(o)
	case *corev1.PersistentVolumeClaim:
		c := o
		if c.Namespace == "" {
			c = c.DeepCopy()
			c.Namespace = namespace
		}
		return a.claim(c, ObjectName("PersistentVolumeClaim", c.Namespace, c.Name))
	case *rbacv1.RoleBinding, *rbacv1.ClusterRoleBinding:
		return a.binding(obj)
	case *rbacv1.Role:
		if o.Namespace == "" {
			o = o.DeepCopy()
			o.Namespace = namespace
		}
		return a.role(o)
	case *rbacv1.ClusterRole:
		return a.role(o)
	case *corev1.ServiceAccount:
		return a.serviceAccount(o, namespace)
	case *anp.AdminNetworkPolicy:
		return a.adminPolicy(o, nil)
	case *anp.BaselineAdminNetworkPolicy:
		return a.adminPolicy(nil, o)
	case *networkingv1.NetworkPolicy:
		return a.networkPolicy(o, namespace)
	case *networkingv1.Ingress:
		return a.ingress(o, namespace)
	case *corev1.Endpoints:
		return a.endpoints(o, nil, namespace)
	case *discoveryv1.EndpointSlice:
		return a.endpoints(nil, o, namespace)
	}
	if pod, ok := templatePod(obj, namespace); ok {
		vs := append(a.pod(pod), a.podJoins(pod, workloadObject(pod))...)
		if sts, ok := obj.(*appsv1.StatefulSet); ok {
			vs = append(vs, a.claimTemplates(sts, pod.Namespace)...)
		}
		return vs
	}
	return nil
}

func unresolved(req Request) Violation {
	return Violation{Rule: IDUnresolved, Object: ObjectName(req.Kind.Kind, req.Namespace, req.Name),
		Reason: fmt.Sprintf("namespace %s is not in bulkhead's view of the cluster, so the tenant of %s %s/%s cannot be resolved", req.Namespace, req.Kind.Kind, req.Namespace, req.Name),
		Fix:    "retry once the namespace exists; bulkhead denies what it cannot place in a tenant"}
}

// contested is the violation of a request into a namespace that tenants
// of the file claim at once: its tenant is unknown until its labels
// change, which an exempt user, or anyone whose change leaves it one
// tenant's, may do.
func contested(req Request, claims string) Violation {
	return Violation{Rule: IDUnresolved, Object: ObjectName(req.Kind.Kind, req.Namespace, req.Name),
		Reason: fmt.Sprintf("namespace %s is claimed by %s, so the tenant of %s %s/%s cannot be resolved", req.Namespace, claims, req.Kind.Kind, req.Namespace, req.Name),
		Fix:    "change the namespace's labels, or the tenants file (by name and glob it claims namespaces too), so that one tenant claims it; bulkhead denies what it cannot place in a tenant"}
}

// without drops the violations of vs that old already had: same rule,
// same fields.
func without(vs, old []Violation) []Violation {
	had := map[string]bool{}
	for _, v := range old {
		had[v.key()] = true
	}
	out := vs[:0]
	for _, v := range vs {
		if !had[v.key()] {
			out = append(out, v)
		}
	}
	return out
}

func (v Violation) key() string {
	return v.Rule + "\x00" + v.Source + "\x00" + v.Target + "\x00" + strings.Join(v.Fields, "\x00")
}

// decision applies the configured modes to the violations.
func (a *Admission) decision(vs []Violation) Decision {
	d := Decision{Allowed: true}
	var denied []string
	for i := range vs {
		v := &vs[i]
		v.Mode = a.cfg.ModeOf(v.Rule)
		if platformExposure(v) {
			v.Mode = Audit
		}
		switch v.Mode {
		case Enforce:
			if a.cfg.DryRun {
				d.Warnings = append(d.Warnings, "dry run, would deny: "+v.Message())
				continue
			}
			denied = append(denied, v.Message())
		case Warn:
			d.Warnings = append(d.Warnings, v.Message())
		}
	}
	d.Violations = vs
	if len(denied) > 0 {
		d.Allowed = false
		d.Message = strings.Join(denied, "\n")
	}
	return d
}

// platformExposure reports whether a violation is what the platform
// tenant gains (its accounts' grants, its pods' reach into their nodes):
// the audit reports it as the platform's exposure, the expected power of
// shared services, apart from breaches between tenants, and the webhook
// audits it rather than refusing a platform's own install. Admission's
// own rules (a namespace moved between tenants, an unresolved tenant)
// are never exposure.
func platformExposure(v *Violation) bool {
	return v.Source == tenancy.Platform && !strings.HasPrefix(v.Rule, "BH-ADM-")
}

// isCluster reports whether a tenant is the cluster's own.
func isCluster(t string) bool { return t == tenancy.Cluster }
