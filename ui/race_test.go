//go:build race

package ui

// raceBuild: the race detector makes everything several times slower, so timing
// bounds do not hold under it.
const raceBuild = true
