package snapshot

import (
	"maps"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func rule(verb, res string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: []string{verb}, APIGroups: []string{""}, Resources: []string{res}}
}

func aggregated(name string, labels map[string]string, selectors ...map[string]string) rbacv1.ClusterRole {
	cr := rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, AggregationRule: &rbacv1.AggregationRule{}}
	for _, s := range selectors {
		cr.AggregationRule.ClusterRoleSelectors = append(cr.AggregationRule.ClusterRoleSelectors, metav1.LabelSelector{MatchLabels: s})
	}
	return cr
}

// TestAggregateFixpoint builds the view → edit → admin chain: admin
// aggregates edit, which aggregates view, so admin's rules need two rounds.
func TestAggregateFixpoint(t *testing.T) {
	s := &Snapshot{ClusterRoles: []rbacv1.ClusterRole{
		aggregated("admin", nil, map[string]string{"to-admin": "true"}),
		aggregated("edit", map[string]string{"to-admin": "true"}, map[string]string{"to-edit": "true"}),
		aggregated("view", map[string]string{"to-edit": "true"}, map[string]string{"to-view": "true"}),
		{ObjectMeta: metav1.ObjectMeta{Name: "pods-view", Labels: map[string]string{"to-view": "true"}}, Rules: []rbacv1.PolicyRule{rule("get", "pods")}},
		{ObjectMeta: metav1.ObjectMeta{Name: "pods-edit", Labels: map[string]string{"to-edit": "true"}}, Rules: []rbacv1.PolicyRule{rule("create", "pods"), rule("get", "pods")}},
		{ObjectMeta: metav1.ObjectMeta{Name: "secrets-admin", Labels: map[string]string{"to-admin": "true"}}, Rules: []rbacv1.PolicyRule{rule("get", "secrets")}},
		// A role's own rules are replaced by the aggregate, as the controller does.
		func() rbacv1.ClusterRole {
			cr := aggregated("empty", nil, map[string]string{"nothing": "matches"})
			cr.Rules = []rbacv1.PolicyRule{rule("delete", "pods")}
			return cr
		}(),
	}}
	s.Aggregate()
	got := map[string][]rbacv1.PolicyRule{}
	for _, cr := range s.ClusterRoles {
		got[cr.Name] = cr.Rules
	}
	// edit: pods-edit then view's (get pods is a duplicate), in name order.
	if d := cmp.Diff([]rbacv1.PolicyRule{rule("create", "pods"), rule("get", "pods")}, got["edit"]); d != "" {
		t.Errorf("edit (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]rbacv1.PolicyRule{rule("create", "pods"), rule("get", "pods"), rule("get", "secrets")}, got["admin"]); d != "" {
		t.Errorf("admin (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]rbacv1.PolicyRule{rule("get", "pods")}, got["view"]); d != "" {
		t.Errorf("view (-want +got):\n%s", d)
	}
	if len(got["empty"]) != 0 {
		t.Errorf("a role aggregating nothing kept rules %v", got["empty"])
	}
	before := s.ClusterRoles[0].DeepCopy()
	s.Aggregate()
	if d := cmp.Diff(before, &s.ClusterRoles[0]); d != "" {
		t.Errorf("second Aggregate changed admin:\n%s", d)
	}
}

func TestDefaultNetworkPolicy(t *testing.T) {
	tcp := corev1.ProtocolTCP
	for _, tc := range []struct {
		name string
		spec networkingv1.NetworkPolicySpec
		want []networkingv1.PolicyType
	}{
		{"nothing", networkingv1.NetworkPolicySpec{}, []networkingv1.PolicyType{"Ingress"}},
		{"empty egress list", networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{}}, []networkingv1.PolicyType{"Ingress"}},
		{"egress rule", networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{{}}}, []networkingv1.PolicyType{"Ingress", "Egress"}},
		{"explicit kept", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Egress"}, Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}, []networkingv1.PolicyType{"Egress"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			np := networkingv1.NetworkPolicy{Spec: tc.spec}
			DefaultNetworkPolicy(&np)
			if d := cmp.Diff(tc.want, np.Spec.PolicyTypes); d != "" {
				t.Error(d)
			}
		})
	}
	np := networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{}}}}}}
	DefaultNetworkPolicy(&np)
	if p := np.Spec.Ingress[0].Ports[0].Protocol; p == nil || *p != tcp {
		t.Errorf("port protocol = %v, want TCP", p)
	}
}

func podTemplate(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}}}}
}

func TestExpandControllers(t *testing.T) {
	sel := func(m map[string]string) *metav1.LabelSelector { return &metav1.LabelSelector{MatchLabels: m} }
	s := &Snapshot{
		Deployments: []appsv1.Deployment{
			{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "a"}, Spec: appsv1.DeploymentSpec{Selector: sel(map[string]string{"app": "web"}), Template: podTemplate(map[string]string{"app": "web"})}},
			{ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "a"}, Spec: appsv1.DeploymentSpec{Selector: sel(map[string]string{"app": "api"}), Template: podTemplate(map[string]string{"app": "api"})}},
		},
		ReplicaSets: []appsv1.ReplicaSet{
			{ObjectMeta: metav1.ObjectMeta{Name: "web-123", Namespace: "a", OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: "web"}}}, Spec: appsv1.ReplicaSetSpec{Selector: sel(map[string]string{"app": "web", "h": "123"}), Template: podTemplate(map[string]string{"app": "web", "h": "123"})}},
		},
		CronJobs: []batchv1.CronJob{{ObjectMeta: metav1.ObjectMeta{Name: "backup", Namespace: "b"}, Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: podTemplate(map[string]string{"job": "backup"})}}}}},
		Pods:     []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "api-xyz", Namespace: "a", Labels: map[string]string{"app": "api"}}}},
	}
	s.Normalize()
	var got []string
	for _, p := range s.Pods {
		got = append(got, p.Namespace+"/"+p.Name+" "+p.Annotations[SyntheticAnnotation]+" "+p.Spec.ServiceAccountName+" "+firstPortProtocol(&p))
	}
	want := []string{
		"a/api-xyz  default ",
		"a/deployment-web Deployment/web default TCP",
		"b/cronjob-backup CronJob/backup default TCP",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pods after expansion (-want +got):\n%s", d)
	}
	n := len(s.Pods)
	s.Normalize()
	if len(s.Pods) != n {
		t.Errorf("second Normalize added pods: %d → %d", n, len(s.Pods))
	}
}

func firstPortProtocol(p *corev1.Pod) string {
	if len(p.Spec.Containers) == 0 || len(p.Spec.Containers[0].Ports) == 0 {
		return ""
	}
	return string(p.Spec.Containers[0].Ports[0].Protocol)
}

// NamespaceLabels gives a namespace's labels the name label the API
// server sets, its own value winning, and copies only when it must.
func TestNamespaceLabels(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, want map[string]string
		same     bool
	}{
		{"none", nil, map[string]string{corev1.LabelMetadataName: "a"}, false},
		{"others", map[string]string{"x": "1"}, map[string]string{"x": "1", corev1.LabelMetadataName: "a"}, false},
		{"another name", map[string]string{corev1.LabelMetadataName: "b"}, map[string]string{corev1.LabelMetadataName: "a"}, false},
		{"its name", map[string]string{corev1.LabelMetadataName: "a", "x": "1"}, map[string]string{corev1.LabelMetadataName: "a", "x": "1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(tc.in)
			got := NamespaceLabels("a", tc.in)
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if !maps.Equal(tc.in, before) {
				t.Errorf("the labels given changed: %v, were %v", tc.in, before)
			}
			if same := tc.in != nil && reflect.ValueOf(got).Pointer() == reflect.ValueOf(tc.in).Pointer(); same != tc.same {
				t.Errorf("the labels given returned: %v, want %v", same, tc.same)
			}
		})
	}
}
