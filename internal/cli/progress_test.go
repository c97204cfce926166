package cli

import (
	"bytes"
	"testing"
	"time"
)

// fakeClock runs time forward by hand: Advance fires the callbacks whose
// time has come.
type fakeClock struct {
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		was := !t.stopped
		t.stopped = true
		return was
	}
}

func (c *fakeClock) Advance(d time.Duration) {
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		if !t.stopped && !c.now.Before(t.at) {
			t.stopped = true
			t.f()
		}
	}
}

func TestProgress(t *testing.T) {
	for _, tc := range []struct {
		name     string
		terminal bool
		phases   []time.Duration
		want     string
	}{
		{"not a terminal", false, []time.Duration{9100 * time.Millisecond, 3 * time.Second}, ""},
		{"short phases", true, []time.Duration{time.Second, 1999 * time.Millisecond}, ""},
		{"long phase", true, []time.Duration{9100 * time.Millisecond}, "phase0… 9.1 s\n"},
		{"one long of two", true, []time.Duration{500 * time.Millisecond, 2 * time.Second}, "phase1… 2.0 s\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			clock := &fakeClock{now: time.Unix(0, 0)}
			p := newProgress(&b, tc.terminal, clock)
			for i, d := range tc.phases {
				done := p.Phase("phase" + string(rune('0'+i)))
				clock.Advance(d)
				done()
			}
			if got := b.String(); got != tc.want {
				t.Errorf("progress %q, want %q", got, tc.want)
			}
		})
	}
}

// TestProgressNotTerminal: a buffer is never a terminal.
func TestProgressNotTerminal(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(IOStreams{ErrOut: &b})
	p.Phase("x")()
	var nilProgress *Progress
	nilProgress.Phase("y")()
	if b.Len() != 0 {
		t.Errorf("progress written to a non-terminal: %q", b.String())
	}
}
