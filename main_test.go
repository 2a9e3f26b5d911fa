package main

// End-to-end tests of the real binary against real clients, inside network namespaces
// the tests create (servers/servertest; main_linux_test.go). They skip when not root or
// a peer is missing, and fail instead with PHONEFLASH_REQUIRE_NETNS=1.

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

const phoneClass = "Cisco Systems, Inc. IP Phone CP-7960G"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// phoneflashBin builds the binary once for every test of the package.
func phoneflashBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "phoneflash-bin-")
		if err != nil {
			buildErr = err
			return
		}
		os.Chmod(dir, 0o755) // other users run it in the privilege test
		binPath = filepath.Join(dir, "phoneflash")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	if os.Getenv(panicHelperEnv) == "1" {
		os.Exit(panicHelper()) // a process of TestWizardPanicRestoresTheTerminal, not a test run
	}
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// firmwareDir writes files (name -> size of random bytes, or fixed content) to a
// world-readable folder.
func firmwareDir(t *testing.T, files map[string]int) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "phoneflash-fw-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	for name, size := range files {
		b := make([]byte, size)
		rand.Read(b)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
