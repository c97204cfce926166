package load

import (
	"fmt"
	"strings"
	"testing"
)

// TestListReservesRoom holds a big list to one allocation of each kind's
// objects: the snapshot's slices end about as long as what the list
// added, not doubled past it.
func TestListReservesRoom(t *testing.T) {
	for _, n := range []int{300, 600} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var sb strings.Builder
			sb.WriteString(`{"apiVersion":"v1","kind":"List","items":[`)
			for i := range n {
				if i > 0 {
					sb.WriteString(",")
				}
				fmt.Fprintf(&sb, `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa%d","namespace":"n"}},`, i)
				fmt.Fprintf(&sb, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p%d","namespace":"n"},"spec":{"containers":[{"name":"c"}]}}`, i)
			}
			sb.WriteString("]}")
			l := New("x", Options{})
			l.Bytes("list.json", []byte(sb.String()))
			snap, stats, err := l.Result()
			if err != nil || stats.Objects != 2*n {
				t.Fatalf("err %v, stats %+v", err, stats)
			}
			// Room is rounded up to a size class (an eighth at most);
			// doubling would leave up to n more.
			if len(snap.Pods) != n || cap(snap.Pods) > n+n/8 || cap(snap.ServiceAccounts) > n+n/8 {
				t.Errorf("pods %d (room for %d), service accounts room for %d; want %d", len(snap.Pods), cap(snap.Pods), cap(snap.ServiceAccounts), n)
			}
		})
	}
}
