package baseline

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// FuzzParseSuppressions: any file is entries or an error naming the file,
// never a panic; the entries it accepts all have a reason and name
// findings one way.
func FuzzParseSuppressions(f *testing.F) {
	for _, seed := range []string{
		"- fingerprint: " + fp1 + "\n  reason: r\n  expires: 2025-06-30\n",
		"- rule: BH-NET-*\n  object: Pod/a/*\n  reason: r\n",
		"- reason: [a\n", "{}", "- &a {reason: r}\n- *a\n", "- ? [a]\n  : b\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ParseSuppressions(data, "s.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "s.yaml") {
				t.Errorf("error without the file: %v", err)
			}
			return
		}
		r := report([]string{"-h.", "c-.", "..-"}, nil, fnd("BH-NET-001", finding.High, fp1))
		for _, e := range es {
			if e.Reason == "" || (e.Fingerprint == "") == (e.Rule == "") {
				t.Errorf("accepted %+v", e.Suppression)
			}
		}
		Suppress(r, es, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		if len(r.Findings)+len(r.Suppressed) != 1 {
			t.Errorf("%d findings and %d suppressed of 1", len(r.Findings), len(r.Suppressed))
		}
	})
}

// FuzzRead: any input is a report or an error, never a panic, and a report
// read can be compared with itself.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"schemaVersion": "bulkhead.dev/report/v1alpha1", "isolation": {"tenants": ["a", "b"], "grid": ["-h", "c-"], "cells": [{"source": "a", "target": "z", "worst": "high"}]}}`))
	f.Add([]byte(`{"schemaVersion": "bulkhead.dev/report/v1alpha1", "findings": [{"severity": "low"}]}`))
	f.Add([]byte(`{"schemaVersion": 3}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if n := Compare(r, r).OpenedAtOrAbove(finding.Info); n != 0 {
			t.Errorf("a report against itself opened %d", n)
		}
		Apply(r, r, "self.json")
	})
}
