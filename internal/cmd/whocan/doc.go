// Package whocan is the who-can subcommand: every user, group and service
// account that may do an action, each with the binding, role and rule that
// grants it.
package whocan
