package audit

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/baseline"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

// comparison is what --baseline and --suppressions hold the audit against.
type comparison struct {
	baselineFile     string
	suppressionsFile string
	// now is the clock the expiry of suppressions is judged by (tests fix
	// it); the engines never see it.
	now func() time.Time

	old     *analysis.Report
	entries []baseline.Entry
}

// read reads the baseline and the suppressions, before the cluster, so
// that a bad file fails fast.
func (c *comparison) read() error {
	if c.baselineFile != "" {
		old, err := readFile(c.baselineFile, baseline.Read)
		if err != nil {
			return fmt.Errorf("--baseline %s: %w", c.baselineFile, err)
		}
		c.old = old
	}
	if c.suppressionsFile != "" {
		data, err := os.ReadFile(c.suppressionsFile)
		if err != nil {
			return fmt.Errorf("--suppressions: %w", err)
		}
		es, err := baseline.ParseSuppressions(data, c.suppressionsFile)
		if err != nil {
			return fmt.Errorf("--suppressions: %w", err)
		}
		c.entries = es
	}
	return nil
}

// apply takes the suppressed findings out of the report, then what the
// baseline held, and warns on stderr of each expired suppression.
func (c *comparison) apply(r *analysis.Report, streams cli.IOStreams) {
	if c.suppressionsFile != "" {
		baseline.Suppress(r, c.entries, c.now())
		for _, e := range r.ExpiredSuppressions {
			what := e.Fingerprint
			if what == "" {
				what = e.Rule + " " + e.Object
			}
			cli.Notef(streams.ErrOut, "warning: %s: suppression expired on %s, no longer suppresses %s (%s: %s)",
				e.Where, e.Expires, counted(e.Findings, "finding", "findings"), what, e.Reason)
		}
	}
	if c.old != nil {
		if c.old.Selection != nil && !reflect.DeepEqual(c.old.Selection, r.Selection) {
			cli.Notef(streams.ErrOut, "warning: --baseline %s was narrowed by --tenant, --checks or --skip-checks: what it left out counts as new", c.baselineFile)
		}
		if baseline.SharesNoTenant(c.old, r) {
			cli.Notef(streams.ErrOut, "warning: --baseline %s has no tenant in common with this cluster (a report of another cluster or tenancy?): everything it holds is new", c.baselineFile)
		}
		baseline.Apply(r, c.old, c.baselineFile)
	}
}

func readFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer func() { _ = f.Close() }() // read only: nothing to flush
	return read(f)
}

func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
