package kube

import (
	"io"
	"reflect"
	"sync"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// listWorkers bounds how many resources are listed at once. Each list is
// still paginated; a few in flight keep the server and the client's
// decoding busy without crowding out the server on a small machine.
const listWorkers = 6

// run runs the listing steps, listWorkers at a time, each on a part of its
// own, and merges the parts in step order, so that the snapshot, its gaps
// and problems, and the refusals are those of running the steps one after
// the other. Steps start in order and none starts after one has failed;
// the error returned is that of the first failed step in order, as a
// sequential run would return.
func (l *loader) run(steps []func(*loader) error) error {
	parts := make([]*loader, len(steps))
	errs := make([]error, len(steps))
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed bool
		slots  = make(chan struct{}, listWorkers)
	)
	for i, step := range steps {
		slots <- struct{}{}
		mu.Lock()
		stop := failed
		mu.Unlock()
		if stop {
			<-slots
			break
		}
		parts[i] = l.part()
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			if err := step(parts[i]); err != nil {
				errs[i] = err
				mu.Lock()
				failed = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for _, p := range parts {
		l.merge(p)
	}
	return nil
}

// part returns a loader for one step: its objects, gaps and refusals go to
// a snapshot and map of its own, its progress to l's.
func (l *loader) part() *loader {
	return &loader{
		snap:      &snapshot.Snapshot{Source: l.snap.Source},
		progress:  l.progress,
		server:    l.server,
		anonymous: l.anonymous,
		refused:   map[string]error{},
	}
}

// merge appends what a step's part read to l: each slice of the part's
// snapshot (objects of each kind, gaps, problems) after l's. A slice l does
// not have yet is taken over, not copied: most kinds come from one step.
func (l *loader) merge(p *loader) {
	dst, src := reflect.ValueOf(l.snap).Elem(), reflect.ValueOf(p.snap).Elem()
	for i := 0; i < dst.NumField(); i++ {
		d, s := dst.Field(i), src.Field(i)
		switch {
		case d.Kind() != reflect.Slice || s.Len() == 0:
		case d.Len() == 0:
			d.Set(s)
		default:
			d.Set(reflect.AppendSlice(d, s))
		}
	}
	for r, err := range p.refused {
		l.refused[r] = err
	}
}

// lines makes w safe for the steps listing at once: each progress line is
// one Write, and lines are written whole, one at a time. nil stays nil.
func lines(w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	return &lineWriter{w: w}
}

type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (lw *lineWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Write(p)
}
