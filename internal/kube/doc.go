// Package kube is the only package of bulkhead that talks to an API server.
// It reads a live cluster into a snapshot with paginated, read-only lists
// (secrets as metadata only), the built-in kinds in protobuf, several
// resources at once, merged in a fixed order so that a load's result does
// not depend on which list finished first. A list the server refuses or
// does not serve becomes a stated coverage gap, except for the essential
// resources (namespaces, pods, RBAC, NetworkPolicy): their refusal is an
// *IncompleteError naming each and why, unless incomplete input is allowed.
// Kinds that change connectivity outside NetworkPolicy (a CNI's own
// policies, secondary networks) are counted where served and recorded as
// gaps, since bulkhead does not model them.
package kube
