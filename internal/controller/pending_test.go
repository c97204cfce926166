package controller

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPendingWrites(t *testing.T) {
	key := objectKey{"NetworkPolicy", "a", BaselinePolicy}
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: BaselinePolicy}}
	for _, tc := range []struct {
		name  string
		then  func(p *pendingWrites, clock *time.Time)
		body  string
		wants bool
	}{
		{"the same write, its event not in yet", func(*pendingWrites, *time.Time) {}, "v1", true},
		{"another write", func(*pendingWrites, *time.Time) {}, "v2", false},
		{"its event in", func(p *pendingWrites, _ *time.Time) { p.seen("NetworkPolicy", np) }, "v1", false},
		{"an event of another kind of the same name", func(p *pendingWrites, _ *time.Time) {
			p.seen("Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: BaselinePolicy}})
		}, "v1", true},
		{"an event of another object", func(p *pendingWrites, _ *time.Time) {
			p.seen("NetworkPolicy", &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: BaselinePolicy}})
		}, "v1", true},
		{"no event for too long", func(_ *pendingWrites, clock *time.Time) { *clock = clock.Add(pendingFor + time.Second) }, "v1", false},
		{"a nil object", func(p *pendingWrites, _ *time.Time) { p.seen("NetworkPolicy", nil) }, "v1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := time.Unix(1000, 0)
			p := newPendingWrites()
			p.now = func() time.Time { return clock }
			p.wrote(key, "v1")
			tc.then(p, &clock)
			if got := p.has(key, tc.body); got != tc.wants {
				t.Errorf("has = %v, want %v", got, tc.wants)
			}
		})
	}
}
