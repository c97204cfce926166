package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

// TestSourceFromFlags: completion reads back, by name, exactly the Source
// the command's flags fill, so that it completes from the cluster the
// command would analyse.
func TestSourceFromFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		// request registers a request -n first, as can-i and who-can do.
		request bool
	}{
		{name: "nothing", args: nil},
		{name: "demo", args: []string{"--demo"}},
		{name: "files and namespace", args: []string{"-f", "a.yaml", "--filename", "dir/", "-n", "prod"}},
		{name: "live", args: []string{"--kubeconfig", "kc", "--context", "prod", "--allow-incomplete"}},
		{name: "tenancy", args: []string{"--demo", "--tenant-label", "team", "--tenants", "t.yaml", "--system-namespaces", "a,b", "--platform-namespaces", "mon*"}},
		{name: "empty replacement", args: []string{"--demo", "--replace-system-namespaces="}},
		{name: "bootstrap and strict", args: []string{"-f", "x", "--kubernetes-version", "v1.32", "--no-builtin-roles", "--strict"}},
		{name: "with", args: []string{"--demo", "--with", "h/", "--with", "x.yaml"}},
		{name: "request namespace is not the source's", args: []string{"--demo", "-n", "prod"}, request: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want Source
			var request string
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			if tc.request {
				fs.StringVarP(&request, "namespace", "n", "default", "namespace of the request")
			}
			want.AddFlags(fs)
			want.AddWithFlag(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, SourceFromFlags(fs)); d != "" {
				t.Errorf("(-flags +read back):\n%s", d)
			}
		})
	}
}
