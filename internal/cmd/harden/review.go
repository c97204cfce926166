package harden

import (
	"regexp"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
)

// sourceArgs are the flags that make `bulkhead audit --with DIR` analyse
// the cluster this harden run analysed, grouped into tenants the same
// way: --demo, -f PATH…, --kubeconfig and --context, -n, the tenancy
// flags, and --kubernetes-version, --no-builtin-roles and
// --allow-incomplete when given. Without them audit would read the
// current kube context, whatever harden read.
func sourceArgs(s *cli.Source, fs *pflag.FlagSet) string {
	var args []string
	add := func(flag string, values ...string) {
		for _, v := range values {
			if v != "" {
				args = append(args, flag, quote(v))
			}
		}
	}
	if s.Demo {
		args = append(args, "--demo")
	}
	add("-f", s.Files...)
	add("--kubeconfig", s.Kubeconfig)
	add("--context", s.Context)
	add("-n", s.Namespace)
	add("--tenant-label", s.TenantLabel)
	add("--tenants", s.TenantsFile)
	add("--system-namespaces", strings.Join(s.System, ","))
	add("--replace-system-namespaces", strings.Join(s.ReplaceSystem, ","))
	add("--platform-namespaces", strings.Join(s.Platform, ","))
	if f := fs.Lookup("kubernetes-version"); f != nil && f.Changed {
		add("--kubernetes-version", s.KubernetesVersion)
	}
	if s.NoBuiltinRoles {
		args = append(args, "--no-builtin-roles")
	}
	if s.AllowIncomplete {
		args = append(args, "--allow-incomplete")
	}
	return strings.Join(args, " ")
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=,@+%-]+$`)

// quote makes a value one shell word: as it is when it needs no quoting,
// else in single quotes.
func quote(v string) string {
	if shellSafe.MatchString(v) {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
