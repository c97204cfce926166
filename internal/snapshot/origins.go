package snapshot

import (
	"path"
	"strings"
)

// Origin is where an object of offline input was read: the file as it was
// named (a path as given to -f, or within the demo's files) and the line
// its document, or the list holding it, starts on.
type Origin struct {
	File string
	Line int
}

// ObjectName names an object as findings do: its kind ("Pod",
// "RoleBinding"), its namespace ("" for a cluster-scoped kind) and name.
type ObjectName struct {
	Kind, Namespace, Name string
}

// Origins says where each object of offline input was read, so that a
// report can point at the manifest behind a finding. The loader fills it;
// a live snapshot has none. It is read-only once loaded: clones share it.
type Origins map[ObjectName]Origin

// Of returns where an object was read. A representative pod of a workload
// controller (Normalize names it "<kind>-<name>", in lower case) was read
// where its controller was.
func (o Origins) Of(kind, namespace, name string) (Origin, bool) {
	if at, ok := o[ObjectName{kind, namespace, name}]; ok {
		return at, true
	}
	if kind != "Pod" {
		return Origin{}, false
	}
	for _, c := range controllerKinds {
		if n, ok := strings.CutPrefix(name, strings.ToLower(c)+"-"); ok {
			if at, ok := o[ObjectName{c, namespace, n}]; ok {
				return at, true
			}
		}
	}
	return Origin{}, false
}

// controllerKinds are the kinds Normalize derives representative pods of.
var controllerKinds = []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}

// Under returns the origins with each file inside dir, for files named
// relative to a directory other than the working one (the demo's, embedded
// from examples/).
func (o Origins) Under(dir string) Origins {
	if o == nil {
		return nil
	}
	out := make(Origins, len(o))
	for k, at := range o {
		at.File = path.Join(dir, at.File)
		out[k] = at
	}
	return out
}
