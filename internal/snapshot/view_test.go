package snapshot_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// A view derived from the one before (View after changes, in a store or
// its clones) equals the view made from every stored object, over random
// sequences of applies and deletes of the kinds View treats apart (pods,
// controllers, aggregated ClusterRoles) and of others; and deriving a
// view leaves every earlier view as it was.
func TestViewDerivesAsFromScratch(t *testing.T) {
	checked, derivedPods := 0, 0
	for seed := range uint64(12) {
		r := rand.New(rand.NewPCG(seed, 11))
		stores := []*snapshot.Store{snapshot.NewStore(demo(t))}
		type kept struct {
			view, copy *snapshot.Snapshot
		}
		var views []kept
		for step := range 150 {
			i := r.IntN(len(stores))
			st := stores[i]
			if r.IntN(12) == 0 {
				stores = append(stores, st.Clone())
			}
			for range 1 + r.IntN(3) {
				obj, del := randomChange(r)
				if del {
					k, err := snapshot.KeyOf(obj)
					if err != nil {
						t.Fatal(err)
					}
					st.Delete(k)
					continue
				}
				if _, _, err := st.ServerSideApply(obj); err != nil {
					t.Fatal(err)
				}
			}
			if r.IntN(3) == 0 {
				continue // changes pile up for the next view
			}
			got := st.View()
			want := st.ViewFromScratch()
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("seed %d step %d: derived view differs (-from scratch +derived):\n%s", seed, step, d)
			}
			checked++
			derivedPods += len(got.Pods)
			if r.IntN(10) == 0 {
				views = append(views, kept{got, deepCopy(got)})
			}
		}
		for j, v := range views {
			if d := cmp.Diff(v.copy, v.view); d != "" {
				t.Fatalf("seed %d: view %d changed after later views were derived:\n%s", seed, j, d)
			}
		}
	}
	t.Logf("%d derived views checked, %d pods in them", checked, derivedPods)
}

// deepCopy is a copy of a view sharing nothing with it.
func deepCopy(s *snapshot.Snapshot) *snapshot.Snapshot {
	c := s.Clone()
	for _, k := range snapshot.Kinds {
		n := k.Len(s)
		k.Truncate(c, -1)
		for i := range n {
			c.Add(k.At(s, i).Obj.DeepCopyObject())
		}
	}
	return c
}

// randomChange is an object to apply, or to delete when del, in the demo's
// namespaces and two of its own.
func randomChange(r *rand.Rand) (obj runtime.Object, del bool) {
	ns := []string{"alice", "bob", "default", "x", "y"}[r.IntN(5)]
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: ns, Name: name} }
	labels := map[string]string{"app": fmt.Sprint("a", r.IntN(3))}
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}
	del = r.IntN(4) == 0
	switch r.IntN(9) {
	case 0, 1:
		// Pods, some named as a representative would be, some marked as
		// one an earlier normalisation added.
		name := []string{"p0", "p1", "deployment-d0", "job-j0"}[r.IntN(4)]
		p := pod(ns, name, labels)
		if r.IntN(5) == 0 {
			p.Annotations = map[string]string{snapshot.SyntheticAnnotation: "Deployment/d1"}
		}
		if r.IntN(3) == 0 {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: "Deployment", Name: "d0"}}
		}
		return p, del
	case 2:
		return &appsv1.Deployment{ObjectMeta: meta(fmt.Sprint("d", r.IntN(2))), Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}}, del
	case 3:
		rs := &appsv1.ReplicaSet{ObjectMeta: meta("rs0"), Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"rs": "yes"}}, Template: template}}
		if r.IntN(2) == 0 {
			rs.OwnerReferences = []metav1.OwnerReference{{Kind: "Deployment", Name: "d0"}}
		}
		return rs, del
	case 4:
		return &batchv1.CronJob{ObjectMeta: meta("cj"), Spec: batchv1.CronJobSpec{Schedule: "* * * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template}}}}, del
	case 5:
		// ClusterRoles that aggregate, and roles they aggregate.
		if r.IntN(2) == 0 {
			return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "agg"}, AggregationRule: &rbacv1.AggregationRule{
				ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"into": fmt.Sprint(r.IntN(2))}}}}}, del
		}
		return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("part-", r.IntN(3)), Labels: map[string]string{"into": fmt.Sprint(r.IntN(2))}},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{[]string{"get", "list", "create"}[r.IntN(3)]}}}}, del
	case 6:
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"zone": fmt.Sprint(r.IntN(2))}}}, del
	case 7:
		return &rbacv1.RoleBinding{ObjectMeta: meta(fmt.Sprint("rb", r.IntN(2))),
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "agg"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: ns}}}, del
	default:
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("n", r.IntN(3)), Labels: labels}}, del
	}
}
