package render

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bulkhead-dev/bulkhead/internal/netpol"
)

// ReachResult is what `bulkhead reach SRC DST` found: the verdict and,
// when no port was asked for (AnyPort), every port allowed.
type ReachResult struct {
	Verdict netpol.Verdict
	AnyPort bool
	Ports   []netpol.PortRange
	// Incomplete says what the network analysis could not read or does
	// not model (IncompleteNotes): the verdict may be wrong either way.
	Incomplete []string
}

// ReachMatrixResult is what `bulkhead reach --matrix` found: the matrix,
// and what the network analysis could not read or does not model
// (IncompleteNotes).
type ReachMatrixResult struct {
	Matrix     netpol.Matrix
	Incomplete []string
}

// ReachAs writes r in format f, text or json of ReachFormats; csv is for
// the matrix only.
func ReachAs(w io.Writer, f Format, r ReachResult) error {
	switch f {
	case FormatText:
		return ReachText(w, r)
	case FormatJSON:
		return ReachJSON(w, r)
	}
	return ReachFormats.unwritten(f)
}

// ReachMatrixAs writes the reachability matrix of complete input in
// format f, one of ReachFormats.
func ReachMatrixAs(w io.Writer, f Format, mx netpol.Matrix) error {
	return ReachMatrixResultAs(w, f, ReachMatrixResult{Matrix: mx})
}

// ReachMatrixResultAs writes the reachability matrix in format f, one of
// ReachFormats: the text and the JSON say when it stands on incomplete
// input; the CSV, rows of allowed pairs only, cannot (the command warns on
// stderr).
func ReachMatrixResultAs(w io.Writer, f Format, r ReachMatrixResult) error {
	switch f {
	case FormatText:
		p := &printer{w: w}
		if p.warnIncomplete("the matrix", r.Incomplete); p.err != nil {
			return p.err
		}
		return ReachMatrix(w, r.Matrix)
	case FormatJSON:
		return indentedJSON(w, struct {
			SchemaVersion string `json:"schemaVersion"`
			netpol.Matrix
			Incomplete []string `json:"incomplete,omitempty"`
		}{ReachMatrixSchemaVersion, r.Matrix, r.Incomplete})
	case FormatCSV:
		return ReachMatrixCSV(w, r.Matrix)
	}
	return ReachFormats.unwritten(f)
}

// ReachText writes the verdict for people: "yes" or "no", the ports
// allowed when any port was asked for, then the rules that decided on
// each side.
func ReachText(w io.Writer, r ReachResult) error {
	v := r.Verdict
	if err := Answer(w, v.Allowed); err != nil {
		return err
	}
	p := &printer{w: w}
	p.warnIncomplete("the answer", r.Incomplete)
	if r.AnyPort {
		if len(r.Ports) > 0 {
			p.printf("allowed ports from %s to %s: %s\n", v.From, v.To, netpol.FormatPorts(r.Ports))
			p.printf("explained for one of them:\n")
		} else {
			p.printf("no port is allowed from %s to %s; for example:\n", v.From, v.To)
		}
	}
	for _, l := range v.Explain() {
		p.printf("%s\n", l)
	}
	return p.err
}

// ReachJSON writes the verdict as indented JSON: allowed, the ports
// allowed (when any port was asked for), the verdict with its rules, and
// what the network analysis could not read or does not model when the
// input was incomplete.
func ReachJSON(w io.Writer, r ReachResult) error {
	out := struct {
		SchemaVersion string             `json:"schemaVersion"`
		Allowed       bool               `json:"allowed"`
		AllowedPorts  []netpol.PortRange `json:"allowedPorts,omitempty"`
		Verdict       netpol.Verdict     `json:"verdict"`
		Incomplete    []string           `json:"incomplete,omitempty"`
	}{ReachSchemaVersion, r.Verdict.Allowed, r.Ports, r.Verdict, r.Incomplete}
	return indentedJSON(w, out)
}

// ReachSchemaVersion and ReachMatrixSchemaVersion version reach's JSON,
// of one connection and of the matrix.
const (
	ReachSchemaVersion       = "bulkhead.dev/reach/v1alpha1"
	ReachMatrixSchemaVersion = "bulkhead.dev/reach-matrix/v1alpha1"
)

// ReachMatrixCSV writes the allowed pairs of the matrix as CSV: from, to
// and the ports, separated by ";".
func ReachMatrixCSV(w io.Writer, mx netpol.Matrix) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"from", "to", "ports"})
	for _, c := range mx.Allowed {
		ps := make([]string, len(c.Ports))
		for i, p := range c.Ports {
			ps[i] = p.String()
		}
		_ = cw.Write([]string{c.From, c.To, strings.Join(ps, ";")})
	}
	cw.Flush()
	return cw.Error()
}

// ReachMatrix writes the matrix for people: a grid of endpoints, rows
// from and columns to, each cell "*" (every port), "p" (some ports, listed
// after the grid) or "." (none); a pod's cell to itself is "-".
func ReachMatrix(w io.Writer, mx netpol.Matrix) error {
	cells := map[[2]string][]netpol.PortRange{}
	for _, c := range mx.Allowed {
		cells[[2]string{c.From, c.To}] = c.Ports
	}
	p := &printer{w: w}
	p.printf("%s reachability (rows: from, columns: to)\n", mx.Kind)
	if p.err != nil {
		return p.err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprint(tw, "\t")
	for i := range mx.Endpoints {
		fmt.Fprintf(tw, "%d\t", i+1)
	}
	fmt.Fprintln(tw)
	var partial []netpol.Cell
	for i, from := range mx.Endpoints {
		fmt.Fprintf(tw, "%d %s\t", i+1, from)
		for _, to := range mx.Endpoints {
			ps, ok := cells[[2]string{from, to}]
			switch {
			case mx.Kind == "pod" && from == to:
				fmt.Fprint(tw, "-\t")
			case !ok:
				fmt.Fprint(tw, ".\t")
			case allPorts(ps):
				fmt.Fprint(tw, "*\t")
			default:
				fmt.Fprint(tw, "p\t")
				partial = append(partial, netpol.Cell{From: from, To: to, Ports: ps})
			}
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	p.printf("* every port   p some ports   . none\n")
	for _, c := range partial {
		p.printf("%s -> %s: %s\n", c.From, c.To, netpol.FormatPorts(c.Ports))
	}
	return p.err
}

// allPorts reports whether ps is every port of every protocol.
func allPorts(ps []netpol.PortRange) bool {
	if len(ps) != len(netpol.Protocols) {
		return false
	}
	for _, p := range ps {
		if p.Start != 1 || p.End != 65535 {
			return false
		}
	}
	return true
}

// indentedJSON writes v as JSON indented by two spaces, as it is (nil
// lists stay null, unlike Document).
func indentedJSON(w io.Writer, v any) error { return Document(w, v) }
