// Package finding defines what every engine reports: a Finding with a stable
// ID, a severity, the tenants it joins, the objects involved and the witness
// that makes it true; and the registry of Rules (ID, category, severity,
// title, doc) that each engine fills at init and that findings, docs,
// reports and check filters read.
package finding
