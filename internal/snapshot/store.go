package snapshot

import (
	"fmt"
	"maps"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// Key is an object's identity, as the API server knows it: its kind's
// group and resource, its namespace ("" for a cluster-scoped kind) and
// its name.
type Key struct {
	Resource  schema.GroupResource
	Namespace string
	Name      string
}

// String names the object as kubectl would: "pods/team-a/web-0",
// "clusterroles.rbac.authorization.k8s.io/view".
func (k Key) String() string {
	if k.Namespace == "" {
		return k.Resource.String() + "/" + k.Name
	}
	return k.Resource.String() + "/" + k.Namespace + "/" + k.Name
}

// KeyOf returns the identity of a typed object of a kind the snapshot
// models.
func KeyOf(obj runtime.Object) (Key, error) {
	i, ok := byType[reflect.TypeOf(obj)]
	if !ok {
		return Key{}, fmt.Errorf("%T is not a kind bulkhead models", obj)
	}
	k := Kinds[i]
	m, _ := obj.(metaObject)
	key := Key{Resource: k.GroupResource(), Namespace: m.GetNamespace(), Name: m.GetName()}
	switch {
	case key.Name == "":
		return key, fmt.Errorf("%s without a name", k.GVK.Kind)
	case k.Namespaced && key.Namespace == "":
		return key, fmt.Errorf("%s %s without a namespace", k.GVK.Kind, key.Name)
	case !k.Namespaced && key.Namespace != "":
		return key, fmt.Errorf("%s %s is cluster-scoped but names namespace %s", k.GVK.Kind, key.Name, key.Namespace)
	}
	return key, nil
}

// Store holds a cluster's objects by identity, as the API server does:
// Apply replaces an object of the same kind, namespace and name, Delete
// removes one, and Clone is cheap, so that "what if these objects were
// applied?" is asked of a copy. Stored objects are as the API server keeps
// them (its defaults applied) and never changed afterwards; View derives
// the normalised snapshot the engines read (aggregated ClusterRoles,
// representative pods of controllers, sorted) without touching them.
//
// A Store is not safe for concurrent use; its clones are independent.
type Store struct {
	// meta is everything of a snapshot but its objects: the source, the
	// problems and gaps of loading, what was assumed.
	meta  Snapshot
	kinds []objects // one per row of Kinds
	// last is the view View made last, in this store or in the one it
	// was cloned from, and changed the names applied or deleted since,
	// by row of Kinds: the next View derives from last what they change
	// and shares the rest.
	last    *viewed
	changed []map[name]bool
}

// name is an object's namespace and name within its kind.
type name struct{ namespace, name string }

// objects are a Store's objects of one kind: base, shared by clones and
// never written once shared, and this store's changes since (a nil value
// is a deletion).
type objects struct {
	base    map[name]metaObject
	changes map[name]metaObject
	// inOrder is base's objects by namespace and name, when the snapshot
	// the store was made of held them so (a normalised one does): list
	// gives them so until anything changes, and the first View need not
	// sort them. Nil otherwise.
	inOrder []metaObject
}

// compactAt is how many changes a kind collects before they are merged
// into a new base: clones copy the changes, so they stay few, and merging
// costs a copy of the base, so it is rare.
func (o *objects) compactAt() int { return max(256, len(o.base)/8) }

func (o *objects) get(n name) (metaObject, bool) {
	if obj, ok := o.changes[n]; ok {
		return obj, obj != nil
	}
	obj, ok := o.base[n]
	return obj, ok
}

func (o *objects) set(n name, obj metaObject) {
	if o.changes == nil {
		o.changes = map[name]metaObject{}
	}
	o.changes[n] = obj
	if len(o.changes) >= o.compactAt() {
		o.compact()
	}
}

// compact merges the changes into a new base.
func (o *objects) compact() {
	if len(o.changes) == 0 {
		return
	}
	base := make(map[name]metaObject, len(o.base)+len(o.changes))
	maps.Copy(base, o.base)
	for n, obj := range o.changes {
		if obj == nil {
			delete(base, n)
		} else {
			base[n] = obj
		}
	}
	o.base, o.changes, o.inOrder = base, nil, nil
}

// list lists the objects, by namespace and name while nothing changed
// since the store was made of a sorted snapshot, else in no order: View
// sorts them, with the pods Normalize adds. The caller must not change
// the list.
func (o *objects) list() []metaObject {
	if o.inOrder != nil && len(o.changes) == 0 {
		return o.inOrder
	}
	out := make([]metaObject, 0, len(o.base)+len(o.changes))
	for n, obj := range o.base {
		if _, changed := o.changes[n]; !changed {
			out = append(out, obj)
		}
	}
	for _, obj := range o.changes {
		if obj != nil {
			out = append(out, obj)
		}
	}
	return out
}

// NewStore makes a store of a loaded snapshot's objects, which it takes:
// they are defaulted in place and the snapshot must not be used after.
// Objects of the same identity keep the last one, as applying them in
// order would.
func NewStore(s *Snapshot) *Store {
	s.applyDefaults()
	st := &Store{kinds: make([]objects, len(Kinds))}
	st.meta = *s
	for _, k := range Kinds {
		k.ops.fill(&st.meta, nil)
	}
	for i, k := range Kinds {
		n := k.Len(s)
		base := make(map[name]metaObject, n)
		inOrder := make([]metaObject, n)
		for j := range n {
			obj := k.ops.at(s, j)
			base[name{obj.GetNamespace(), obj.GetName()}] = obj
			if inOrder == nil {
				continue
			}
			if j > 0 && !before(inOrder[j-1], obj) {
				inOrder = nil // out of order, or twice
				continue
			}
			inOrder[j] = obj
		}
		st.kinds[i].base, st.kinds[i].inOrder = base, inOrder
	}
	return st
}

// before reports whether a comes before b by namespace and name.
func before(a, b metaObject) bool {
	return compareNames(a.GetNamespace(), a.GetName(), b.GetNamespace(), b.GetName()) < 0
}

// Apply stores a copy of obj, a typed object of a kind the snapshot
// models, with the API server's defaults, replacing the object of the
// same identity if there is one, and returns its identity.
func (st *Store) Apply(obj runtime.Object) (Key, error) {
	key, err := KeyOf(obj)
	if err != nil {
		return key, err
	}
	i := byType[reflect.TypeOf(obj)]
	c, _ := Kinds[i].ops.copyObject(obj)
	applyDefault(c)
	n := name{key.Namespace, key.Name}
	st.kinds[i].set(n, c)
	st.noteChange(i, n)
	return key, nil
}

// Delete removes the object of an identity and reports whether there was
// one.
func (st *Store) Delete(key Key) bool {
	i, ok := kindIndex(key.Resource)
	if !ok {
		return false
	}
	n := name{key.Namespace, key.Name}
	if _, ok := st.kinds[i].get(n); !ok {
		return false
	}
	st.kinds[i].set(n, nil)
	st.noteChange(i, n)
	return true
}

// Get returns the stored object of an identity. It is the store's own:
// change a copy and Apply it.
func (st *Store) Get(key Key) (runtime.Object, bool) {
	i, ok := kindIndex(key.Resource)
	if !ok {
		return nil, false
	}
	obj, ok := st.kinds[i].get(name{key.Namespace, key.Name})
	return obj, ok
}

// Len returns how many objects of a kind (a row of Kinds) the store holds.
func (st *Store) Len(k Kind) int {
	i, ok := kindIndex(k.GroupResource())
	if !ok {
		return 0
	}
	o := &st.kinds[i]
	n := len(o.base)
	for nm, obj := range o.changes {
		_, inBase := o.base[nm]
		switch {
		case obj == nil && inBase:
			n--
		case obj != nil && !inBase:
			n++
		}
	}
	return n
}

// Clone returns a store with the same objects, which Apply and Delete on
// either leave the other without. It copies only the changes made since
// the objects were last merged, never the objects.
func (st *Store) Clone() *Store {
	c := &Store{meta: *st.meta.Clone(), kinds: make([]objects, len(st.kinds)), last: st.last}
	for i := range st.kinds {
		o := &st.kinds[i]
		c.kinds[i] = objects{base: o.base, changes: maps.Clone(o.changes), inOrder: o.inOrder}
	}
	if st.changed != nil {
		c.changed = make([]map[name]bool, len(st.changed))
		for i, m := range st.changed {
			c.changed[i] = maps.Clone(m)
		}
	}
	return c
}

// View returns the snapshot of the store's objects, normalised as
// Normalize does (ClusterRole aggregation, representative pods, sorted).
// The engines may read it; its slices may be shared with other views of
// the store and its clones (their capacity is their length, so that an
// append copies), and its objects are shallow copies sharing maps and
// slices with the stored ones: nothing may write into them. Anything
// that changes a view sets its fields to new slices.
//
// The first View of a store normalises every object; a later one, of the
// store or of a clone of it, starts from the view before and redoes only
// what the objects applied or deleted since change (see derive).
func (st *Store) View() *Snapshot {
	if st.last != nil {
		return st.derive()
	}
	v, last := st.normalise()
	st.last, st.changed = last, nil
	return v.Clone()
}

// ViewFromScratch is View made from every stored object, as the first
// View of a store is, whatever views came before: what each later View
// must equal.
func (st *Store) ViewFromScratch() *Snapshot {
	v, _ := st.normalise()
	return v
}

// normalise makes the view of every stored object, and what a later View
// derives its view from.
func (st *Store) normalise() (*Snapshot, *viewed) {
	v := st.meta.Clone()
	for i, k := range Kinds {
		k.ops.fill(v, st.kinds[i].list())
	}
	v.sort()
	roles := slices.Clone(v.ClusterRoles)
	v.Aggregate()
	added := v.expandControllers()
	reps := make(map[name]bool, len(added))
	for i := range added {
		reps[name{added[i].Namespace, added[i].Name}] = true
	}
	if len(added) > 0 {
		Kinds[podsRow].ops.sort(v, namespaced)
	}
	v.NoteConnectivity()
	v.sortGaps()
	return v, &viewed{view: v, roles: roles, reps: reps}
}

// kindIndex finds the row of Kinds of a resource.
func kindIndex(gr schema.GroupResource) (int, bool) {
	i, ok := byResource[gr]
	return i, ok
}

var byResource = func() map[schema.GroupResource]int {
	m := make(map[schema.GroupResource]int, len(Kinds))
	for i, k := range Kinds {
		m[k.GroupResource()] = i
	}
	return m
}()

// ServerSideApply applies obj as `kubectl apply --server-side` of a
// manifest that names only some fields would: a Namespace's labels and
// annotations are merged into those of the namespace already stored (the
// manifest's win), any other object replaces the one of its identity. It
// reports whether an object of that identity was there.
func (st *Store) ServerSideApply(obj runtime.Object) (Key, bool, error) {
	key, err := KeyOf(obj)
	if err != nil {
		return key, false, err
	}
	old, replaced := st.Get(key)
	if ns, ok := obj.(*corev1.Namespace); ok && replaced {
		merged := old.(*corev1.Namespace).DeepCopy()
		merged.Labels = mergeStrings(merged.Labels, ns.Labels)
		merged.Annotations = mergeStrings(merged.Annotations, ns.Annotations)
		obj = merged
	}
	_, err = st.Apply(obj)
	return key, replaced, err
}

func mergeStrings(into, from map[string]string) map[string]string {
	if len(from) == 0 {
		return into
	}
	if into == nil {
		into = make(map[string]string, len(from))
	}
	maps.Copy(into, from)
	return into
}

// KeepRunning stores the pods of before (the view the change was applied
// to) in the namespaces named as running pods: those of manifests and
// the representatives of controllers get a Running status and lose the
// representative's mark. Relabelling a namespace for Pod Security evicts
// nothing, so what existed before a change of its labels still runs
// after it, as a live cluster would show it, and is not left out as a pod
// the new level would refuse to create. It returns the pods it stored.
func (st *Store) KeepRunning(before *Snapshot, namespaces map[string]bool) ([]Key, error) {
	var keys []Key
	for i := range before.Pods {
		pod := &before.Pods[i]
		if !namespaces[pod.Namespace] || (pod.Status.Phase != "" && !IsSynthetic(pod)) {
			continue
		}
		c := pod.DeepCopy()
		if kind, name := Workload(pod); kind != "Pod" {
			// The controller's running pods: owned by it, as they would be.
			ref := metav1.OwnerReference{Kind: kind, Name: name, Controller: ptr.To(true)}
			for _, k := range Kinds {
				if k.GVK.Kind == kind {
					ref.APIVersion = k.GVK.GroupVersion().String()
				}
			}
			c.OwnerReferences = append(c.OwnerReferences, ref)
		}
		delete(c.Annotations, SyntheticAnnotation)
		if c.Status.Phase == "" {
			c.Status.Phase = corev1.PodRunning
		}
		k, err := st.Apply(c)
		if err != nil {
			return nil, fmt.Errorf("keep pod %s/%s running: %w", pod.Namespace, pod.Name, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
