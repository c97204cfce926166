package snapshot

import (
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// viewed is a store's normalised view as View made it, and what View
// needs to make the view of a changed store from it. Stores and their
// clones share it, and nothing writes into it.
type viewed struct {
	view *Snapshot
	// roles are the ClusterRoles as stored, sorted: the view's are
	// aggregated.
	roles []rbacv1.ClusterRole
	// reps are the representative pods the view adds, by namespace and
	// name. A stored pod of the same name comes before its namesake.
	reps map[name]bool
}

// change is an object applied (obj) or deleted (obj nil) since a view.
type change struct {
	namespace, name string
	obj             metaObject
}

// The rows of Kinds that View treats apart: the pods, which controllers
// expand; the ClusterRoles, which aggregate; the controllers.
var (
	podsRow         = rowOf("pods")
	clusterRolesRow = rowOf("clusterroles")
	controllerRows  = func() map[int]bool {
		rows := map[int]bool{}
		for _, r := range []string{"deployments", "statefulsets", "daemonsets", "replicasets", "replicationcontrollers", "jobs", "cronjobs"} {
			rows[rowOf(r)] = true
		}
		return rows
	}()
)

func rowOf(resource string) int {
	for i, k := range Kinds {
		if k.Resource == resource {
			return i
		}
	}
	panic("snapshot: no row of Kinds for " + resource) // a renamed row, found by any test
}

// noteChange records that the object of a name of row i was applied or
// deleted since the last view.
func (st *Store) noteChange(i int, n name) {
	if st.last == nil {
		return
	}
	if st.changed == nil {
		st.changed = make([]map[name]bool, len(Kinds))
	}
	if st.changed[i] == nil {
		st.changed[i] = map[name]bool{}
	}
	st.changed[i][n] = true
}

// changedIn reports whether an object of row i was applied or deleted
// since the last view.
func (st *Store) changedIn(i int) bool { return len(st.changed) > 0 && len(st.changed[i]) > 0 }

// changesOf lists the changes of row i since the last view, in the order
// of a sorted snapshot.
func (st *Store) changesOf(i int) []change {
	out := make([]change, 0, len(st.changed[i]))
	for n := range st.changed[i] {
		c := change{namespace: n.namespace, name: n.name}
		if obj, ok := st.kinds[i].get(n); ok {
			c.obj = obj
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b change) int { return compareNames(a.namespace, a.name, b.namespace, b.name) })
	return out
}

// derive makes the view of the store from the last one: a kind nothing
// changed is shared; a changed kind is the last view's, the changes
// merged in; the ClusterRoles aggregate again if one changed; and the
// pods of the namespaces whose pods or controllers changed are listed
// again, with their representatives found again, while those of every
// other namespace stay as they were. The result equals what normalising
// every object would give.
func (st *Store) derive() *Snapshot {
	last := st.last
	v := st.meta.Clone()
	touched := map[string]bool{}
	for i, k := range Kinds {
		if !st.changedIn(i) || i == podsRow {
			k.ops.share(v, last.view)
		}
		if !st.changedIn(i) {
			continue
		}
		if i == podsRow || controllerRows[i] {
			for n := range st.changed[i] {
				touched[n.namespace] = true
			}
		}
		switch i {
		case podsRow:
		case clusterRolesRow:
			k.ops.patch(v, &Snapshot{ClusterRoles: last.roles}, st.changesOf(i))
		default:
			k.ops.patch(v, last.view, st.changesOf(i))
		}
	}
	roles := last.roles
	if st.changedIn(clusterRolesRow) {
		roles = v.ClusterRoles
		v.ClusterRoles = slices.Clone(roles)
		v.Aggregate()
	}
	reps := last.reps
	if len(touched) > 0 {
		v.Pods, reps = st.derivePods(v, touched)
	}
	v.NoteConnectivity()
	v.sortGaps()
	st.last, st.changed = &viewed{view: v, roles: roles, reps: reps}, nil
	return v.Clone()
}

// derivePods is the pods of the view v, whose controllers are already
// those of the store: the last view's, but in each touched namespace the
// stored pods, the changes made, and the representatives of the
// namespace's controllers found again. It returns them with the names of
// the representatives.
func (st *Store) derivePods(v *Snapshot, touched map[string]bool) ([]corev1.Pod, map[name]bool) {
	last := st.last
	old := last.view.Pods
	var changes map[string][]change
	if st.changedIn(podsRow) {
		changes = map[string][]change{}
		for _, c := range st.changesOf(podsRow) {
			changes[c.namespace] = append(changes[c.namespace], c)
		}
	}
	reps := maps.Clone(last.reps)
	out := make([]corev1.Pod, 0, len(old)+len(st.changed[podsRow]))
	namespaces := slices.Sorted(maps.Keys(touched))
	i := 0
	for _, ns := range namespaces {
		lo := i + sort.Search(len(old)-i, func(k int) bool { return old[i+k].Namespace >= ns })
		hi := lo + sort.Search(len(old)-lo, func(k int) bool { return old[lo+k].Namespace > ns })
		out = append(out, old[i:lo]...)
		i = hi

		// The namespace's stored pods, as they were, then changed.
		seg := old[lo:hi]
		stored := &Snapshot{Pods: make([]corev1.Pod, 0, len(seg))}
		for j := range seg {
			n := name{ns, seg[j].Name}
			if reps[n] && (j+1 == len(seg) || seg[j+1].Name != seg[j].Name) {
				delete(reps, n) // the representative, after any namesake
				continue
			}
			stored.Pods = append(stored.Pods, seg[j])
		}
		if cs := changes[ns]; len(cs) > 0 {
			Kinds[podsRow].ops.patch(stored, stored, cs)
		}

		// Its representatives, found from its controllers.
		x := &Snapshot{Pods: stored.Pods}
		for r := range controllerRows {
			Kinds[r].ops.segment(x, v, ns)
		}
		added := x.expandControllers()
		for j := range added {
			reps[name{ns, added[j].Name}] = true
		}
		slices.SortStableFunc(added, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
		out = mergeByName(out, stored.Pods, added)
	}
	out = append(out, old[i:]...)
	if len(out) == 0 {
		out = nil
	}
	return out, reps
}

// mergeByName appends to out the pods of a and b, each sorted by name, in
// name order, a's first where names are equal.
func mergeByName(out, a, b []corev1.Pod) []corev1.Pod {
	for len(a) > 0 && len(b) > 0 {
		if b[0].Name < a[0].Name {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}
