package snapshot

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Finished Jobs and Helm hooks hold no node and no token for long: they get
// no representative pod. A CronJob's template runs again: it gets one.
func TestExpandSkipsOneOffJobs(t *testing.T) {
	job := func(name string, tweak func(*batchv1.Job)) batchv1.Job {
		j := batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "a"}, Spec: batchv1.JobSpec{Template: podTemplate(map[string]string{"job": name})}}
		if tweak != nil {
			tweak(&j)
		}
		return j
	}
	hook := map[string]string{HelmHookAnnotation: "pre-install"}
	s := &Snapshot{
		Jobs: []batchv1.Job{
			job("running", nil),
			job("completed", func(j *batchv1.Job) { j.Status.Succeeded, j.Status.CompletionTime = 1, &metav1.Time{} }),
			job("failed", func(j *batchv1.Job) {
				j.Status.Failed = 6
				j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue}}
			}),
			job("failing", func(j *batchv1.Job) { // still retrying
				j.Status.Failed = 2
				j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionFalse}}
			}),
			job("migrate", func(j *batchv1.Job) { j.Annotations = hook }),
			job("template-hook", func(j *batchv1.Job) { j.Spec.Template.Annotations = hook }),
		},
		CronJobs: []batchv1.CronJob{{ObjectMeta: metav1.ObjectMeta{Name: "backup", Namespace: "a"},
			Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: podTemplate(map[string]string{"job": "backup"})}}}}},
	}
	s.Normalize()
	var got []string
	for i := range s.Pods {
		got = append(got, s.Pods[i].Annotations[SyntheticAnnotation])
	}
	want := []string{"CronJob/backup", "Job/failing", "Job/running"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("representative pods (-want +got):\n%s", d)
	}
}

// A controller whose only pods finished runs pods again: a CronJob whose
// last run's pod is kept Succeeded (successfulJobsHistoryLimit), its
// template labelled as the pod is, and a Deployment whose pods were all
// evicted (Failed) get a representative. One running pod is enough to get
// none, finished ones beside it or not.
func TestExpandFinishedPodsAreNoPods(t *testing.T) {
	pod := func(name string, labels map[string]string, phase corev1.PodPhase, owner metav1.OwnerReference) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "a", Labels: labels, OwnerReferences: []metav1.OwnerReference{owner}},
			Spec: corev1.PodSpec{NodeName: "n1"}, Status: corev1.PodStatus{Phase: phase}}
	}
	deployment := func(name string) appsv1.Deployment {
		return appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "a"},
			Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}, Template: podTemplate(map[string]string{"app": name})}}
	}
	rs := func(name string) metav1.OwnerReference {
		return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: name + "-5d4f8", Controller: ptr.To(true)}
	}
	job := metav1.OwnerReference{APIVersion: "batch/v1", Kind: "Job", Name: "backup-29001", Controller: ptr.To(true)}
	s := &Snapshot{
		CronJobs: []batchv1.CronJob{{ObjectMeta: metav1.ObjectMeta{Name: "backup", Namespace: "a"},
			Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: podTemplate(map[string]string{"app": "backup"})}}}}},
		Deployments: []appsv1.Deployment{deployment("evicted"), deployment("mixed"), deployment("running")},
		Pods: []corev1.Pod{
			pod("backup-29001-x7k2p", map[string]string{"app": "backup"}, corev1.PodSucceeded, job),
			pod("evicted-5d4f8-aaaaa", map[string]string{"app": "evicted"}, corev1.PodFailed, rs("evicted")),
			pod("mixed-5d4f8-aaaaa", map[string]string{"app": "mixed"}, corev1.PodFailed, rs("mixed")),
			pod("mixed-5d4f8-bbbbb", map[string]string{"app": "mixed"}, corev1.PodPending, rs("mixed")),
			pod("running-5d4f8-aaaaa", map[string]string{"app": "running"}, corev1.PodRunning, rs("running")),
		},
	}
	s.Normalize()
	var got []string
	for i := range s.Pods {
		if a := s.Pods[i].Annotations[SyntheticAnnotation]; a != "" {
			got = append(got, a)
		}
	}
	want := []string{"CronJob/backup", "Deployment/evicted"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("representative pods (-want +got):\n%s", d)
	}
}

func TestIsOneOff(t *testing.T) {
	cases := []struct {
		name string
		pod  corev1.Pod
		want bool
	}{
		{name: "manifest", pod: corev1.Pod{}},
		{name: "running", pod: corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}},
		{name: "pending", pod: corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}},
		{name: "succeeded", pod: corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, want: true},
		{name: "failed", pod: corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed}}, want: true},
		{name: "helm test hook", pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{HelmHookAnnotation: "test"}}}, want: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsOneOff(&tc.pod); got != tc.want {
				t.Errorf("IsOneOff = %v, want %v", got, tc.want)
			}
		})
	}
}

// Controllers share the selector made for an equal one, and only for an
// equal one: every pair of these selectors has its own key, however
// their strings run together, and each is the selector
// LabelSelectorAsSelector makes (nil when it refuses it).
func TestSelectorsAreTheirOwn(t *testing.T) {
	in := func(key string, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpIn, Values: values}
	}
	all := []*metav1.LabelSelector{
		{},
		{MatchLabels: map[string]string{"a": "b"}},
		{MatchLabels: map[string]string{"a": "b", "c": "d"}},
		{MatchLabels: map[string]string{"a\x00b\x00c": "d"}}, // not valid
		{MatchLabels: map[string]string{"a": "b\x00c"}},      // not valid
		{MatchLabels: map[string]string{"a\x00b": "c"}},      // not valid
		{MatchLabels: map[string]string{"a": "b:1"}},         // not valid
		{MatchLabels: map[string]string{"a": "b", "1": "2"}},
		{MatchLabels: map[string]string{"1:a": "b"}},   // not valid
		{MatchLabels: map[string]string{"a": "b,c=d"}}, // not valid
		{MatchExpressions: []metav1.LabelSelectorRequirement{in("a", "b")}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{in("a", "b", "c")}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{in("a", "b"), in("c")}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpExists}}},
		{MatchLabels: map[string]string{"a": "b"}, MatchExpressions: []metav1.LabelSelectorRequirement{in("c", "d")}},
	}
	sels := selectors{}
	seen := map[string]int{}
	for i, ls := range all {
		k := SelectorKey(ls)
		if j, ok := seen[k]; ok {
			t.Errorf("selectors %d and %d share the key %q", j, i, k)
		}
		seen[k] = i
		want, err := metav1.LabelSelectorAsSelector(ls)
		got := sels.of(ls)
		switch {
		case err != nil && got != nil:
			t.Errorf("selector %d: refused (%v), yet made %v", i, err, got)
		case err == nil && (got == nil || got.String() != want.String()):
			t.Errorf("selector %d: made %v, want %v", i, got, want)
		}
	}
	// An equal selector, its labels listed in another order, is the one
	// already made.
	again := &metav1.LabelSelector{MatchLabels: map[string]string{"c": "d", "a": "b"}}
	if SelectorKey(again) != SelectorKey(all[2]) || len(sels) != len(all) {
		t.Errorf("an equal selector has another key, or a selector was made twice (%d made for %d)", len(sels), len(all))
	}
	// So is one whose expression lists its values in another order; no
	// selector is not the empty one, which selects everything.
	reordered := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{in("a", "c", "b")}}
	if SelectorKey(reordered) != SelectorKey(all[11]) {
		t.Errorf("In (c, b) and In (b, c) have other keys: %q, %q", SelectorKey(reordered), SelectorKey(all[11]))
	}
	if SelectorKey(nil) == SelectorKey(&metav1.LabelSelector{}) {
		t.Error("no selector and the empty one share a key")
	}
}
