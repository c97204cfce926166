// Package version reports bulkhead's own version.
package version

import "runtime/debug"

// Version is set at link time (-X); otherwise taken from the module build
// information, or "devel".
var Version = ""

// String returns the version.
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
