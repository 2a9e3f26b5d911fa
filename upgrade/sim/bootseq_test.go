package sim

import (
	"strings"
	"testing"

	"phoneflash/firmware"
	"phoneflash/upgrade"
)

// The phone's boot sequence and the tracker's reading of requests are written apart;
// here they must agree on what each name is, or one of them is wrong about the phone.
func TestBootSequenceMatchesTheTrackersReading(t *testing.T) {
	expand := strings.NewReplacer("<MAC>", "001E4A123456", "<TERM>", "term41", "<LOAD>", "SIP41.9-4-2SR3-1S", "<proto>", "sip")
	want := map[ask]upgrade.RequestKind{
		askSecurity: upgrade.ReqSecurity, askDeviceConfig: upgrade.ReqDeviceConfig, askDefaultConfig: upgrade.ReqDefaultConfig,
		askSelector: upgrade.ReqSelector, askDefaultLoads: upgrade.ReqDefaultLoads, askManifest: upgrade.ReqLoadManifest,
		askCheckLoads: upgrade.ReqLoadManifest, askLocale: upgrade.ReqLocale, askDialplan: upgrade.ReqDialplan,
		askRingList: upgrade.ReqRingList,
	}
	for _, f := range firmware.Families() {
		reqs := bootSequence(f)
		if len(reqs) < 6 {
			t.Fatalf("%s: only %d requests", f, len(reqs))
		}
		for _, r := range reqs {
			if r.name == filesRow {
				continue
			}
			name := expand.Replace(r.name)
			if got := upgrade.Classify(name); got != want[r.ask] {
				t.Errorf("%s: the tracker reads %s as %v, the phone asks it as %v", f, name, got, want[r.ask])
			}
			if r.mayMiss != upgrade.ExpectedMiss(name) {
				t.Errorf("%s: %s: the phone shrugs off its absence (%v), the tracker calls it expected (%v)", f, name, r.mayMiss, upgrade.ExpectedMiss(name))
			}
			if strings.HasPrefix(r.when.String(), "when(") {
				t.Errorf("%s: %s has an unnamed when", f, name)
			}
		}
	}
	if bootSequence(firmware.Family7941)[0].name != "<TERM>.default.loads" {
		t.Error("a Java phone after a reset asks its default loads first")
	}
}
