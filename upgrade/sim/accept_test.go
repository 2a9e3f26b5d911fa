package sim

import (
	"errors"
	"testing"

	"phoneflash/firmware"
	"phoneflash/upgrade"
)

// knownLoads are loads named in the facts (FACTS.md §1, §4), per line: old and new, SCCP
// and SIP, inside and outside every bridge window.
var knownLoads = map[firmware.Family][]string{
	firmware.Family7940: {
		"P00303010102", "P00303030300", "P00305000200", "P00305000600", "P00306000100",
		"P00308000500", "P00308000800", "P00308000900", "P00308001000", "P0030801SR02",
		"P0S3-04-4-00", "P0S3-05-2-00", "P0S3-06-0-00", "P0S3-07-4-00", "P0S3-08-4-00", "P0S3-08-11-00", "P0S3-8-12-00",
	},
	firmware.Family7941: {
		"TERM41.7-0-3-0S", "SCCP41.8-2-1S", "SCCP41.8-2-2SR2S", "SCCP41.8-3-3S", "SIP41.8-4-1S", "SCCP41.8-5-2S",
		"SCCP41.8-5-2SR1S", "SCCP41.8-5-3S", "SIP41.9-2-1S", "SCCP41.9-4-2SR1-1S", "SIP41.9-4-2SR3-1S",
	},
	firmware.Family7970: {"SIP70.8-2-1S", "SCCP70.8-5-2S", "SCCP70.8-5-3S", "SIP70.9-4-2SR1-1S"},
}

// The virtual phone's own acceptance table and the planner are written apart from the
// same facts; on every pair of known loads they must agree: the planner plans one step
// exactly where the phone takes the load straight away, and a bridge (or a refusal)
// exactly where the phone refuses it. A disagreement is a wrong fact in one of them.
func TestPhoneAndPlannerAgreeOnEveryPair(t *testing.T) {
	model := map[firmware.Family]string{firmware.Family7940: "7960", firmware.Family7941: "7941", firmware.Family7970: "7970"}
	pairs := 0
	for fam, ids := range knownLoads {
		for _, from := range ids {
			for _, to := range ids {
				if from == to {
					continue
				}
				pairs++
				cur, _ := imageOf(from)
				next, _ := imageOf(to)
				takes, why := takes(cur, next)
				plan, err := upgrade.MakePlan(nil, upgrade.PlanRequest{Model: model[fam], From: from, To: to})
				var ie *upgrade.InputError
				switch {
				case errors.As(err, &ie):
					if takes {
						t.Errorf("%s -> %s: the planner refuses (%s), the phone takes it", from, to, ie.Msg)
					}
				case err != nil:
					t.Fatalf("%s -> %s: %v", from, to, err)
				case len(plan.Steps) == 1 && !takes:
					t.Errorf("%s -> %s: the planner goes straight, the phone refuses: %s", from, to, why)
				case len(plan.Steps) > 1 && takes:
					t.Errorf("%s -> %s: the planner bridges through %s (%s), the phone would take it straight", from, to, plan.Steps[0].Gate, plan.Steps[0].Why)
				}
			}
		}
	}
	if pairs < 300 {
		t.Fatalf("only %d pairs walked", pairs)
	}
}
