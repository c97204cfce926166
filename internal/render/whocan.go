package render

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// WhoCanDocument is `bulkhead who-can -o json`: the request asked about
// and every grant of it, never null.
type WhoCanDocument struct {
	SchemaVersion string        `json:"schemaVersion"`
	Request       rbac.Request  `json:"request"`
	Access        []rbac.Access `json:"access"`
}

// WhoCanAs writes the subjects that may make req, with what grants each,
// in format f, one of WhoCanFormats; text fits o.Width.
func WhoCanAs(w io.Writer, f Format, req rbac.Request, access []rbac.Access, o TextOptions) error {
	switch f {
	case FormatText:
		return WhoCan(w, access, o)
	case FormatJSON:
		return WhoCanJSON(w, req, access)
	}
	return WhoCanFormats.unwritten(f)
}

// WhoCan writes the subjects that may make a request, a row per grant:
// kind, name, namespace ("-" for none), binding, role and rule. As a
// table when it fits o.Width (100 columns by default), else a grant a
// block: the subject, then its binding and role, then the rule, wrapped.
func WhoCan(w io.Writer, access []rbac.Access, o TextOptions) error {
	if len(access) == 0 {
		_, err := fmt.Fprintln(w, "No subject may do this.")
		return err
	}
	if o.Width <= 0 {
		o.Width = 100
	}
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 6, 4, 3, ' ', 0)
	sw := safeWriter{tw} // subjects' names are free text
	fmt.Fprintln(sw, "KIND\tNAME\tNAMESPACE\tBINDING\tROLE\tRULE")
	for _, x := range access {
		ns := x.Subject.Namespace
		if ns == "" {
			ns = "-"
		}
		fmt.Fprintf(sw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.Subject.Kind, x.Subject.Name, ns, x.Binding, x.Role, rbac.RuleString(x.Rule))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if widest(table.String()) <= o.Width {
		_, err := w.Write(table.Bytes())
		return err
	}
	p := &printer{w: w, o: o}
	for _, x := range access {
		subject := x.Subject.Kind + " " + x.Subject.Name
		if x.Subject.Namespace != "" {
			subject = x.Subject.Kind + " " + x.Subject.Namespace + "/" + x.Subject.Name
		}
		p.printf("%s\n", subject)
		p.wrap("    ", fmt.Sprintf("%s → %s", x.Binding, x.Role))
		p.wrap("    ", rbac.RuleString(x.Rule))
	}
	return p.err
}

// widest is the length of the longest line of s.
func widest(s string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		n = max(n, utf8.RuneCountInString(line))
	}
	return n
}

// WhoCanJSON writes the request and its grants as an indented
// WhoCanDocument.
func WhoCanJSON(w io.Writer, req rbac.Request, access []rbac.Access) error {
	if access == nil {
		access = []rbac.Access{}
	}
	return indentedJSON(w, WhoCanDocument{SchemaVersion: WhoCanSchemaVersion, Request: req, Access: access})
}

// WhoCanSchemaVersion versions who-can's JSON.
const WhoCanSchemaVersion = "bulkhead.dev/who-can/v1alpha1"
