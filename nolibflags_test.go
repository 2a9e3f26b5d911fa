package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The libraries word their messages for every front end: a setting in plain words
// (servers.Field, "the load it runs now"), the flag named by the command line alone
// (issue 12). Their string literals name no flag. upgrade/sim is the simulate
// command's own code, and upgrade/headless.go is serve's printing: both front ends.
func TestNoLibraryMessageNamesAFlag(t *testing.T) {
	flag := regexp.MustCompile(`(^|[^\w-])--[a-z%]`)
	fset := token.NewFileSet()
	for _, dir := range []string{"servers", "upgrade", "firmware"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") || path == filepath.Join("upgrade", "headless.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if field, ok := n.(*ast.Field); ok && field.Tag != nil {
					return false // a struct field with a tag: the tag is no message, nor is its type
				}
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if text, err := strconv.Unquote(lit.Value); err == nil && flag.MatchString(text) {
						t.Errorf("%s: %s names a flag", fset.Position(lit.Pos()), lit.Value)
					}
				}
				return true
			})
		}
	}
}
