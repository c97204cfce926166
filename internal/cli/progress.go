package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// ProgressAfter is how long a phase runs before its progress line shows:
// shorter phases print nothing.
const ProgressAfter = 2 * time.Second

// Clock is the time source of a Progress; tests give a fake one.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f after d unless the returned stop is called first;
	// stop reports whether it stopped the call.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Progress tells a person at a terminal what a long command is doing: a
// phase that runs longer than ProgressAfter gets a line, "network…",
// finished with its elapsed time when the phase ends. It writes nothing
// when its writer is not a terminal, so scripts and pipes see no progress.
// Engines never see it: commands mark phases around the calls.
type Progress struct {
	w     io.Writer // nil: silent
	clock Clock
	mu    sync.Mutex
}

// NewProgress reports to streams.ErrOut when it is a terminal.
func NewProgress(streams IOStreams) *Progress {
	return newProgress(streams.ErrOut, IsTerminal(streams.ErrOut), realClock{})
}

func newProgress(w io.Writer, terminal bool, clock Clock) *Progress {
	if !terminal {
		w = nil
	}
	return &Progress{w: w, clock: clock}
}

// Phase starts a phase and returns the function that ends it.
func (p *Progress) Phase(name string) (done func()) {
	if p == nil || p.w == nil {
		return func() {}
	}
	start := p.clock.Now()
	shown := false
	stop := p.clock.AfterFunc(ProgressAfter, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		shown = true
		fmt.Fprintf(p.w, "%s…", name)
	})
	return func() {
		stop()
		p.mu.Lock()
		defer p.mu.Unlock()
		if shown {
			fmt.Fprintf(p.w, " %.1f s\n", p.clock.Now().Sub(start).Seconds())
		}
	}
}
