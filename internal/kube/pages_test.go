package kube

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// fakeList serves pods in pages of two; the first continuation fails with
// an expired token, as an API server does after etcd compaction.
func fakeList(n int, expireOnce bool) func(context.Context, metav1.ListOptions) (*corev1.PodList, error) {
	expired := false
	return func(_ context.Context, o metav1.ListOptions) (*corev1.PodList, error) {
		start := 0
		if o.Continue != "" {
			if expireOnce && !expired {
				expired = true
				return nil, apierrors.NewResourceExpired("continue token expired")
			}
			start = int(o.Continue[0] - '0')
		}
		l := &corev1.PodList{}
		for i := start; i < n && i < start+2; i++ {
			l.Items = append(l.Items, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: string(rune('a' + i))}})
		}
		if start+2 < n {
			l.Continue = string(rune('0' + start + 2))
		}
		return l, nil
	}
}

func TestListAllPagesAndRestarts(t *testing.T) {
	for _, expire := range []bool{false, true} {
		l := &loader{snap: &snapshot.Snapshot{}}
		pods, err := listAll(context.Background(), l, "pods", fakeList(5, expire), func(x *corev1.PodList) []corev1.Pod { return x.Items })
		if err != nil {
			t.Fatal(err)
		}
		var names string
		for _, p := range pods {
			names += p.Name
		}
		if names != "abcde" {
			t.Errorf("expire=%v: listed %q, want abcde", expire, names)
		}
	}
}

func TestListAllGaps(t *testing.T) {
	for _, tc := range []struct {
		err    error
		reason string
	}{
		{apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", nil), "forbidden"},
		{apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, ""), "not served"},
	} {
		l := &loader{snap: &snapshot.Snapshot{}}
		_, err := listAll(context.Background(), l, "pods", func(context.Context, metav1.ListOptions) (*corev1.PodList, error) { return nil, tc.err },
			func(x *corev1.PodList) []corev1.Pod { return x.Items })
		if err != nil || len(l.snap.Gaps) != 1 || l.snap.Gaps[0].Reason != tc.reason {
			t.Errorf("%v: err %v, gaps %v", tc.err, err, l.snap.Gaps)
		}
	}
	l := &loader{snap: &snapshot.Snapshot{}}
	_, err := listAll(context.Background(), l, "pods", func(context.Context, metav1.ListOptions) (*corev1.PodList, error) {
		return nil, apierrors.NewInternalError(context.DeadlineExceeded)
	}, func(x *corev1.PodList) []corev1.Pod { return x.Items })
	if err == nil {
		t.Error("an internal error became a gap")
	}
}

// TestListAllMakesRoomOnce: when the server says how many items remain, the
// list is allocated once at its first page; a count that cannot be true is
// ignored.
func TestListAllMakesRoomOnce(t *testing.T) {
	for _, tc := range []struct {
		name      string
		remaining func(start, n int) *int64
		wantCap   int
	}{
		{"told", func(start, n int) *int64 { r := int64(n - start - 2); return &r }, 5},
		{"huge", func(int, int) *int64 { r := int64(1 << 40); return &r }, -1},
		{"negative", func(int, int) *int64 { r := int64(-3); return &r }, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages := fakeList(5, false)
			list := func(ctx context.Context, o metav1.ListOptions) (*corev1.PodList, error) {
				l, err := pages(ctx, o)
				if err == nil && l.Continue != "" {
					start := 0
					if o.Continue != "" {
						start = int(o.Continue[0] - '0')
					}
					l.RemainingItemCount = tc.remaining(start, 5)
				}
				return l, err
			}
			l := &loader{snap: &snapshot.Snapshot{}}
			pods, err := listAll(context.Background(), l, "pods", list, func(x *corev1.PodList) []corev1.Pod { return x.Items })
			if err != nil || len(pods) != 5 {
				t.Fatalf("listed %d pods, error %v", len(pods), err)
			}
			if tc.wantCap >= 0 && cap(pods) != tc.wantCap {
				t.Errorf("capacity %d, want %d", cap(pods), tc.wantCap)
			}
			if cap(pods) > 1024 {
				t.Errorf("capacity %d from a count the list did not hold", cap(pods))
			}
		})
	}
}
