package servertest

// RequireEnv names the variable that turns a namespace test's skip into a failure
// (CI runs as root with it set: there the namespace tests are the proof). Here, not in
// netns.go, because tests that build on every system read it too.
const RequireEnv = "PHONEFLASH_REQUIRE_NETNS"
