package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// clusterObjects returns n objects shaped as an API server returns them
// (defaults filled in, status set; managedFields only when withManaged,
// as `kubectl get --show-managed-fields`): 60% Pods, 15% Deployments, 15%
// NetworkPolicies, 10% RoleBindings.
func clusterObjects(n int, withManaged bool) []runtime.Object {
	created := metav1.Date(2024, 3, 1, 12, 0, 0, 0, metav1.Now().Location()).Rfc3339Copy()
	objs := make([]runtime.Object, 0, n)
	for i := 0; len(objs) < n; i++ {
		ns := fmt.Sprintf("tenant-%d-ns-%d", i/25, i%5)
		app := fmt.Sprintf("app-%d", i%7)
		meta := func(name string, labels map[string]string) metav1.ObjectMeta {
			m := metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(fmt.Sprintf("0f3c%04x-1b2d-4c5e-8f90-%012x", i%65536, len(objs))),
				ResourceVersion: fmt.Sprint(1000 + len(objs)), CreationTimestamp: created, Labels: labels}
			if withManaged {
				m.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl-client-side-apply", Operation: metav1.ManagedFieldsOperationUpdate,
					APIVersion: "v1", Time: &created, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(
						`{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}}}}}}`)}}}
			}
			return m
		}
		for r := 0; r < 4; r++ {
			objs = append(objs, clusterPod(meta(fmt.Sprintf("%s-7d9f8b6c5-%05d", app, i*4+r), map[string]string{"app": app, "pod-template-hash": "7d9f8b6c5", "tenant": ns[:len(ns)-5]}), i*4+r, created))
		}
		objs = append(objs, clusterDeployment(meta(app+fmt.Sprint(i), map[string]string{"app": app}), app, created))
		objs = append(objs, clusterPolicy(meta(fmt.Sprintf("allow-%d", i), nil), app))
		m := meta(fmt.Sprintf("edit-%d", i), nil)
		m.Annotations = map[string]string{"description": "grants the tenant's deploy robot edit rights in this namespace, as agreed with the platform team in the onboarding ticket"}
		objs = append(objs, &rbacv1.RoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"}, ObjectMeta: m,
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "deployer", Namespace: ns}, {Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "tenant:" + ns}}})
		objs = append(objs, clusterPolicy(meta(fmt.Sprintf("deny-%d", i), nil), ""))
	}
	return objs[:n]
}

func clusterPod(m metav1.ObjectMeta, i int, created metav1.Time) *corev1.Pod {
	ctrl := true
	m.GenerateName = m.Name[:len(m.Name)-5]
	m.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: m.GenerateName[:len(m.GenerateName)-1], UID: "5e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9", Controller: &ctrl, BlockOwnerDeletion: &ctrl}}
	grace, tol := int64(30), int64(300)
	ip := fmt.Sprintf("10.%d.%d.%d", 64+i/65536, i/256%256, i%256)
	node := fmt.Sprintf("node-%04d", i%1250)
	cond := func(t corev1.PodConditionType) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: created}
	}
	return &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: m,
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/team/" + m.Labels["app"] + ":v1.2.3", ImagePullPolicy: corev1.PullIfNotPresent,
				Args:  []string{"--port=8080", "--log-level=info"},
				Env:   []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}}, {Name: "MODE", Value: "production"}},
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}, {Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}},
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
					Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}},
					PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3},
				VolumeMounts:             []corev1.VolumeMount{{Name: "kube-api-access-x7k2p", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
				TerminationMessagePath:   corev1.TerminationMessagePathDefault,
				TerminationMessagePolicy: corev1.TerminationMessageReadFile}},
			DNSPolicy: corev1.DNSClusterFirst, NodeName: node, RestartPolicy: corev1.RestartPolicyAlways, SchedulerName: corev1.DefaultSchedulerName,
			SecurityContext: &corev1.PodSecurityContext{}, ServiceAccountName: "default", DeprecatedServiceAccount: "default", TerminationGracePeriodSeconds: &grace,
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &tol},
				{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &tol}},
			Volumes: []corev1.Volume{{Name: "kube-api-access-x7k2p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &[]int64{3607}[0], Path: "token"}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}}},
				DefaultMode: &[]int32{420}[0]}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, HostIP: "192.168.1." + fmt.Sprint(i%250), PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}, QOSClass: corev1.PodQOSBurstable, StartTime: &created,
			Conditions: []corev1.PodCondition{cond(corev1.PodInitialized), cond(corev1.PodReady), cond(corev1.ContainersReady), cond(corev1.PodScheduled)},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, Image: "registry.example.com/team/app:v1.2.3",
				ImageID:     "registry.example.com/team/app@sha256:4c8d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d",
				ContainerID: "containerd://8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f",
				State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: created}}}}},
	}
}

func clusterDeployment(m metav1.ObjectMeta, app string, created metav1.Time) *appsv1.Deployment {
	replicas, rev, dl := int32(4), int32(10), int32(600)
	m.Annotations = map[string]string{"deployment.kubernetes.io/revision": "3",
		"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"` + m.Name + `","namespace":"` + m.Namespace + `"},"spec":{"replicas":4,"selector":{"matchLabels":{"app":"` + app + `"}},"template":{"metadata":{"labels":{"app":"` + app + `"}},"spec":{"containers":[{"image":"registry.example.com/team/app:v1.2.3","name":"app","ports":[{"containerPort":8080,"name":"http"}]}]}}}}` + "\n"}
	m.Generation = 3
	pct := intstr.FromString("25%")
	return &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: m,
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, RevisionHistoryLimit: &rev, ProgressDeadlineSeconds: &dl,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &pct, MaxSurge: &pct}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/team/app:v1.2.3", ImagePullPolicy: corev1.PullIfNotPresent,
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}, TerminationMessagePath: corev1.TerminationMessagePathDefault,
					TerminationMessagePolicy: corev1.TerminationMessageReadFile}},
					DNSPolicy: corev1.DNSClusterFirst, RestartPolicy: corev1.RestartPolicyAlways, SchedulerName: corev1.DefaultSchedulerName, SecurityContext: &corev1.PodSecurityContext{}}}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 4, UpdatedReplicas: 4, ReadyReplicas: 4, AvailableReplicas: 4,
			Conditions: []appsv1.DeploymentCondition{
				{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, LastUpdateTime: created, LastTransitionTime: created, Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability."},
				{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, LastUpdateTime: created, LastTransitionTime: created, Reason: "NewReplicaSetAvailable", Message: `ReplicaSet "` + app + `-7d9f8b6c5" has successfully progressed.`}}},
	}
}

// clusterPolicy returns a NetworkPolicy allowing app's pods in from the
// same namespace, the ingress namespace and the cluster's address range
// but its metadata service, or, when app is "", a default deny.
func clusterPolicy(m metav1.ObjectMeta, app string) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}, ObjectMeta: m,
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}}
	if app == "" {
		return np
	}
	tcp, port := corev1.ProtocolTCP, intstr.FromString("http")
	np.Spec.PodSelector = metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
	np.Spec.PolicyTypes = np.Spec.PolicyTypes[:1]
	np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}},
			{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"}}},
			{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"169.254.169.254/32"}}}},
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}}}}
	return np
}

// clusterYAML prints objects as `kubectl get -o yaml` prints each of them,
// as one stream of documents.
func clusterYAML(tb testing.TB, objs []runtime.Object) []byte {
	var b bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			tb.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes()
}

// clusterYAMLList prints objects as `kubectl get -o yaml` prints several:
// one List document.
func clusterYAMLList(tb testing.TB, objs []runtime.Object) []byte {
	y, err := yaml.JSONToYAML(clusterJSON(tb, objs))
	if err != nil {
		tb.Fatal(err)
	}
	return y
}

// clusterJSON prints objects as `kubectl get -o json` prints them: one
// List, indented by four spaces.
func clusterJSON(tb testing.TB, objs []runtime.Object) []byte {
	list := struct {
		APIVersion string           `json:"apiVersion"`
		Items      []runtime.Object `json:"items"`
		Kind       string           `json:"kind"`
		Metadata   map[string]any   `json:"metadata"`
	}{"v1", objs, "List", map[string]any{"resourceVersion": ""}}
	js, err := json.MarshalIndent(list, "", "    ")
	if err != nil {
		tb.Fatal(err)
	}
	return append(js, '\n')
}
