package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Printer reports actions on w, one line each (asJSON: one JSON object per line), for
// `phoneflash simulate`. Safe for concurrent use.
func Printer(w io.Writer, asJSON bool) func(Action) {
	var mu sync.Mutex
	return func(a Action) {
		mu.Lock()
		defer mu.Unlock()
		if asJSON {
			_, _ = w.Write(append(a.JSON(), '\n'))
			return
		}
		_, _ = fmt.Fprintln(w, a.String())
	}
}

// Verdict turns how Run ended into the command's exit status and a sentence: 0 when the
// phone runs the load the server's config names (and expect, when given), 1 otherwise.
func Verdict(res Result, err error, expect string) (int, string) {
	var gu *GiveUpError
	switch {
	case errors.As(err, &gu):
		return 1, "gave up: " + gu.Reason
	case errors.Is(err, context.Canceled):
		return 1, fmt.Sprintf("stopped after %d boots, running %s", res.Boots, orUnknown(res.Running))
	case err != nil:
		return 1, err.Error()
	case expect != "" && !res.Runs(expect):
		return 1, fmt.Sprintf("runs %s, the load the server names, not the expected %s: check what the server stages", res.Running, expect)
	}
	steps := "no step needed"
	if len(res.Steps) > 0 {
		steps = "steps " + strings.Join(res.Steps, " -> ")
	}
	return 0, fmt.Sprintf("runs %s (%s; %d boots)", res.Running, steps, res.Boots)
}
