package render

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/bulkhead-dev/bulkhead/internal/rbac"
)

// WhoCanDocument is `bulkhead who-can -o json`: the request asked about
// and every grant of it, never null.
type WhoCanDocument struct {
	Request rbac.Request  `json:"request"`
	Access  []rbac.Access `json:"access"`
}

// WhoCanAs writes the subjects that may make req, with what grants each,
// in format f, one of WhoCanFormats.
func WhoCanAs(w io.Writer, f Format, req rbac.Request, access []rbac.Access) error {
	switch f {
	case FormatText:
		return WhoCan(w, access)
	case FormatJSON:
		return WhoCanJSON(w, req, access)
	}
	return WhoCanFormats.unwritten(f)
}

// WhoCan writes a table of the subjects that may make a request, a row per
// grant: kind, name, namespace ("-" for none), binding, role and rule.
func WhoCan(w io.Writer, access []rbac.Access) error {
	if len(access) == 0 {
		_, err := fmt.Fprintln(w, "No subject may do this.")
		return err
	}
	tw := tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tNAMESPACE\tBINDING\tROLE\tRULE")
	for _, x := range access {
		ns := x.Subject.Namespace
		if ns == "" {
			ns = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.Subject.Kind, x.Subject.Name, ns, x.Binding, x.Role, rbac.RuleString(x.Rule))
	}
	return tw.Flush()
}

// WhoCanJSON writes the request and its grants as an indented
// WhoCanDocument.
func WhoCanJSON(w io.Writer, req rbac.Request, access []rbac.Access) error {
	if access == nil {
		access = []rbac.Access{}
	}
	return indentedJSON(w, WhoCanDocument{Request: req, Access: access})
}
