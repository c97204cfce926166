// Package finding defines what every engine reports: a Finding with a stable
// ID, a severity, the tenants it joins, the objects involved and the witness
// that makes it true.
package finding
