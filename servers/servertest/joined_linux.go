package servertest

import "testing"

// Joined is a namespace that another process created and will delete: a parent test
// that re-executes the test binary inside one of its namespaces (Go cannot move a
// whole process into one) passes the others' names, and the child runs its peers
// there with Command, Run and Start as in a namespace of its own.
func Joined(t testing.TB, name string) *NS { return &NS{Name: name, t: t} }
