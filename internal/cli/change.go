package cli

import "github.com/bulkhead-dev/bulkhead/internal/tenancy"

// ChangeFiles returns what applying a change's path means, as --with reads
// it: for a directory with a kustomization.yaml, the resources it lists,
// in its order; for anything else, path itself.
func ChangeFiles(path string) ([]string, error) { return kustomizationResources(path) }

// TenancyConfig is the grouping into tenants the flags ask for, as Tenancy
// resolves it: for the commands that resolve it themselves on a snapshot
// that changes (the webhook's decisions of bulkhead check).
func (s *Source) TenancyConfig() (tenancy.Config, error) {
	cfg := tenancy.Config{Label: s.TenantLabel, SystemNamespaces: s.ReplaceSystem, ExtraSystemNamespaces: s.System, PlatformNamespaces: s.Platform}
	if s.TenantsFile != "" {
		f, err := tenancy.LoadFile(s.TenantsFile)
		if err != nil {
			return tenancy.Config{}, err
		}
		cfg.File = f
	}
	return cfg, nil
}
