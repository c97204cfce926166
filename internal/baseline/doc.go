// Package baseline compares an audit with what came before it: a previous
// report (the baseline) whose findings, breached tenant pairs and paths to
// cluster-admin are not new, a suppressions file of accepted findings with
// their reasons and expiry dates, and the difference between two reports
// (what opened and what closed).
//
// It reads reports and suppressions from bytes and readers and is given
// the date: no files, no clock.
package baseline
