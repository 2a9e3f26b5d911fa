package firmware

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Folders that hold other people's or the system's files. Even with only phone files
// served (phonefile.go), a home or system folder has .xml, .cnf and .bin files that are
// not firmware, and scanning it reads far more than a firmware download. For the tops
// of the tree only the folder itself counts (/var/lib/tftpboot and /srv/tftp are the
// usual TFTP folders and must not warn); for the others, everything inside too.
var (
	systemFolders = []string{"/", "/bin", "/sbin", "/lib", "/lib64", "/usr", "/var", "/opt", "/srv", "/tmp", "/mnt",
		"/media", "/run", "/home", "/Users", "/Volumes", "/Applications", "/private", "/private/var"}
	systemTrees = []string{"/etc", "/root", "/boot", "/proc", "/sys", "/dev", "/System", "/Library", "/private/etc"}
	// windowsSystemTrees name Windows's system folders by environment variable.
	windowsSystemTrees = []string{"SystemRoot", "windir", "ProgramFiles", "ProgramFiles(x86)", "ProgramData"}
	// homeParents hold home folders: a folder right inside one is someone's home (as
	// root, ~ is /root, but the technician's files are in /home/them).
	homeParents = []string{"/home", "/Users", `C:\Users`}
)

// FolderWarning says why serving the folder at p is risky, or "" when it is not: it is
// a system folder, or a home folder (or holds one). Front ends show it before serving;
// Open puts it in Library.Warnings too. A path that is not a folder gets "".
func FolderWarning(p string) string {
	info, err := os.Stat(p)
	if err != nil || !info.IsDir() {
		return ""
	}
	abs := realPath(p)
	var what string
	switch {
	case isSystemFolder(abs): // before the home test: / holds every home
		what = "a system folder"
	case homeFolder(abs) != "":
		what = homeFolder(abs)
	case inSystemTree(abs):
		what = "a system folder"
	default:
		return ""
	}
	return p + " is " + what + ": phoneflash serves every file in it that a phone could ask for (.xml, .cnf, .bin ...) " +
		"to anyone on the bench network, and reads all of it to find firmware; point at the folder that holds the firmware instead"
}

// realPath is p absolute, clean and with symlinks resolved where it can be.
func realPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	return filepath.Clean(p)
}

// isSystemFolder: one of systemFolders, or a drive's root.
func isSystemFolder(abs string) bool {
	for _, f := range systemFolders {
		if sameFolder(abs, f) {
			return true
		}
	}
	vol := filepath.VolumeName(abs)
	return vol != "" && sameFolder(abs, vol+string(filepath.Separator))
}

// inSystemTree: inside one of systemTrees or Windows's system folders.
func inSystemTree(abs string) bool {
	trees := systemTrees
	if runtime.GOOS == "windows" {
		for _, env := range windowsSystemTrees {
			if dir := os.Getenv(env); dir != "" {
				trees = append(trees[:len(trees):len(trees)], dir)
			}
		}
	}
	for _, dir := range trees {
		if within(abs, dir) {
			return true
		}
	}
	return false
}

// homeFolder says "a home folder" for the user's home or a folder right inside one of
// homeParents, "a folder that holds a home folder" for one above the user's home, and
// "" for any other.
func homeFolder(abs string) string {
	for _, h := range homeParents {
		if sameFolder(filepath.Dir(abs), h) {
			return "a home folder"
		}
	}
	home, err := os.UserHomeDir()
	switch {
	case err != nil || home == "" || !within(realPath(home), abs):
		return ""
	case sameFolder(realPath(home), abs):
		return "a home folder"
	}
	return "a folder that holds a home folder"
}

// within reports whether p is folder dir or inside it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && filepath.IsLocal(rel) || sameFolder(p, dir)
}

// sameFolder compares cleaned paths, ignoring case on Windows and macOS, whose file
// systems usually do.
func sameFolder(a, b string) bool {
	a, b = filepath.Clean(a), filepath.Clean(b)
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return strings.EqualFold(a, b)
	}
	return a == b
}
