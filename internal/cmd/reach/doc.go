// Package reach is the reach subcommand: whether one pod (or address) can
// open a connection to another under the cluster's NetworkPolicies and
// AdminNetworkPolicies, with the rules that decide it on each side, and the
// namespace or pod reachability matrix.
package reach
