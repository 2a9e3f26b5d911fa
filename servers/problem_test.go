package servers

import (
	"net/netip"
	"testing"
)

// A fix names its settings in plain words, and each front end names them its own way.
func TestFixNamesSettingsAsEachFrontEndDoes(t *testing.T) {
	flags := func(f Field) string {
		return map[Field]string{FieldPoolStart: "--pool-start", FieldPoolSize: "--pool-size", FieldForce: "--force"}[f]
	}
	p, ok := Config{Iface: "lo", PoolStart: netip.MustParseAddr("127.0.1.5")}.Check().(*Problem)
	if !ok || p.Field != FieldPoolStart {
		t.Fatalf("problem %v, want one about the pool start", p)
	}
	if got, want := p.FixNaming(flags), "choose a pool (--pool-start, --pool-size) inside 127.0.0.0/24"; got != want {
		t.Errorf("command line: %q, want %q", got, want)
	}
	if got, want := p.Fix, "choose a pool (pool start, pool size) inside 127.0.0.0/24"; got != want {
		t.Errorf("plain: %q, want %q", got, want)
	}
	q := (&Problem{Fix: "stop what holds 100% of it"}).orFix("start anyway (%s)", FieldForce)
	if got, want := q.FixNaming(flags), "stop what holds 100% of it; or start anyway (--force)"; got != want {
		t.Errorf("another way out: %q, want %q", got, want)
	}
}
