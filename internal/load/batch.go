package load

import (
	"fmt"
	goruntime "runtime"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// A batch is what decoding a document, a list item or a file found. It
// is built apart from the loader, so that documents decode in parallel,
// and applied to the loader in input order, so that the snapshot, its
// Problems and Warnings and the Stats are the same as when every document
// is read in turn.
type batch struct {
	opts *Options
	// reference turns the fast paths off: every document goes through
	// sigs.k8s.io/yaml and the scheme's strict deserializer, the reference
	// the fast paths are tested against.
	reference bool
	docs      int // documents and list items seen, net of the empty ones and lists
	ops       []op
	// helmLines are the lines of the documents skipped as Helm templates.
	helmLines []int
	// endOf names the file whose documents are all before this batch:
	// its Helm templates are reported when the batch is applied.
	endOf string
	// line is the first line with content of the document being read.
	line int
	// checked remembers the checks that passed (see memo), shared with
	// the batches built before and after on the same goroutine.
	checked *memo
	// shared are the resource lists the batch's objects share (see
	// decResourceList).
	shared *sharedLists
}

// An op is one effect of a batch on the loader: a Problem (Skipped
// counts it when skip is set), an unknown kind, an object to place, or
// what a written snapshot or a CustomResourceDefinition says.
type op struct {
	where   string
	problem string
	skip    bool
	unknown string // "apiVersion/kind" of an object not modelled
	gvk     schema.GroupVersionKind
	obj     runtime.Object
	info    *snapshot.Info
	cr      *snapshot.CustomResource
	// line is where the object's document begins to say something, past
	// its leading comments (0: where says it).
	line int
	// defaulted says the object named no namespace and was given
	// Options.Namespace.
	defaulted bool
}

func (b *batch) skip(where, format string, args ...any) {
	b.ops = append(b.ops, op{where: where, problem: fmt.Sprintf(format, args...), skip: true})
}

func (b *batch) problem(where, format string, args ...any) {
	b.ops = append(b.ops, op{where: where, problem: fmt.Sprintf(format, args...)})
}

func (b *batch) unknown(apiVersion, kind string) {
	b.ops = append(b.ops, op{unknown: apiVersion + "/" + kind})
}

// merge appends what another batch found after what b found.
func (b *batch) merge(o *batch) {
	b.docs += o.docs
	if b.ops == nil {
		b.ops = o.ops // a big list's items: not copied again
		return
	}
	b.ops = append(b.ops, o.ops...)
}

// mergeAll appends what each of groups found, in order, after what b
// found, making room for it all at once.
func (b *batch) mergeAll(groups []*batch) {
	total := 0
	for _, ib := range groups {
		total += len(ib.ops)
	}
	b.ops = slices.Grow(b.ops, total)
	for _, ib := range groups {
		b.merge(ib)
	}
}

// apply takes what a batch found into the loader.
func (l *Loader) apply(b *batch) {
	l.stats.Documents += b.docs
	l.helm = append(l.helm, b.helmLines...)
	l.reserve(b.ops)
	for _, o := range b.ops {
		switch {
		case o.obj != nil:
			if o.defaulted {
				l.stats.Defaulted++
			}
			l.place(o.where, o.line, o.gvk, o.obj)
		case o.unknown != "":
			l.unknown(o.unknown)
		case o.info != nil:
			l.info(o.info)
		case o.cr != nil:
			l.snap.CustomResources = append(l.snap.CustomResources, *o.cr)
		default:
			if o.skip {
				l.stats.Skipped++
			}
			l.problem(o.where, "%s", o.problem)
		}
	}
	if b.endOf != "" && len(l.helm) > 0 {
		l.stats.Skipped += len(l.helm)
		l.problem(fmt.Sprintf("%s:%d", b.endOf, l.helm[0]), "Helm template syntax ({{ ... }}) in %d document(s), skipped: render the chart and pipe the output instead, e.g. helm template RELEASE CHART | bulkhead audit -f -", len(l.helm))
		l.helm = nil
	}
}

// reserveFrom is the number of ops from which a batch (a big list's
// items, mostly) makes room for its objects before placing them.
const reserveFrom = 256

// reserve makes room in the snapshot, in the index of objects read and
// in the snapshot's Origins, for the objects of ops: a big list placed
// one object at a time would copy each kind's slice of objects, pods of
// a kilobyte each, as it doubles, and rehash the index and the Origins as
// they grow.
func (l *Loader) reserve(ops []op) {
	if len(ops) < reserveFrom {
		return
	}
	counts := map[schema.GroupVersionKind]int{}
	total, located := 0, false
	for _, o := range ops {
		if o.obj != nil {
			counts[o.gvk]++
			total++
			if !located {
				_, located = originOf(o.where)
			}
		}
	}
	if len(l.seen) == 0 && total > 0 {
		l.seen = make(map[identity]origin, total)
	}
	if len(l.snap.Origins) == 0 && located {
		l.snap.Origins = make(snapshot.Origins, total)
	}
	for _, k := range snapshot.Kinds {
		if n := counts[k.GVK]; n > 0 {
			k.Grow(l.snap, n)
		}
	}
}

// pending is a batch being built by a worker.
type pending struct {
	done chan struct{}
	b    *batch
}

// submit builds a batch with work, on another goroutine when more than
// one CPU may run Go code, and applies the batches in the order they were
// submitted. At most four batches a worker are in flight, so that a big
// input is never held converted all at once, only what the snapshot
// keeps.
func (l *Loader) submit(work func(b *batch)) {
	b := &batch{opts: &l.opts, reference: l.reference}
	if l.workers <= 1 {
		b.remembering(&l.inTurn)
		work(b)
		l.apply(b)
		return
	}
	p := &pending{done: make(chan struct{}), b: b}
	l.pending = append(l.pending, p)
	go func() {
		defer close(p.done)
		work(b)
	}()
	for len(l.pending) > 4*l.workers {
		l.applyFirst()
	}
}

// queue takes a batch built on the spot after those submitted before.
func (l *Loader) queue(b *batch) {
	b.opts, b.reference = &l.opts, l.reference
	if l.workers <= 1 {
		l.apply(b)
		return
	}
	l.pending = append(l.pending, &pending{done: closed, b: b})
}

var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// skip records a Problem for something left out, after whatever was
// submitted before.
func (l *Loader) skip(where, format string, args ...any) {
	b := &batch{}
	b.skip(where, format, args...)
	l.queue(b)
}

// flush waits for every submitted batch and applies them in order.
func (l *Loader) flush() {
	for len(l.pending) > 0 {
		l.applyFirst()
	}
}

func (l *Loader) applyFirst() {
	p := l.pending[0]
	l.pending[0] = nil
	l.pending = l.pending[1:]
	<-p.done
	l.apply(p.b)
}

// workers is how many documents decode at once.
func workers() int { return goruntime.GOMAXPROCS(0) }

// parallel runs work(i) for i in [0, n) on up to workers goroutines and
// returns the batches, made like parent, in order of i.
func parallel(parent *batch, n int, work func(b *batch, i int)) []*batch {
	out := make([]*batch, n)
	opts, reference := parent.opts, parent.reference
	w := min(workers(), n)
	if w <= 1 {
		for i := range out {
			out[i] = (&batch{opts: opts, reference: reference}).remembering(parent)
			work(out[i], i)
		}
		return out
	}
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	done := make(chan struct{})
	for range w {
		go func() {
			defer func() { done <- struct{}{} }()
			worker := &batch{reference: reference} // what this goroutine remembers
			for i := range next {
				out[i] = (&batch{opts: opts, reference: reference}).remembering(worker)
				work(out[i], i)
			}
		}()
	}
	for range w {
		<-done
	}
	return out
}
