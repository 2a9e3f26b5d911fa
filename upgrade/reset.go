package upgrade

// Reset is one key sequence that resets a phone, as the technician performs it.
type Reset struct {
	Name       string      // "factory reset", "flash format"
	Keys       string      // the digits typed: "123456789*0#"
	Steps      []ResetStep // in order
	Conditions []string    // what must hold for it to work
	Note       string      // what it does, in a sentence
}

// ResetStep is one thing the technician does and what the phone shows then.
type ResetStep struct {
	Do    string
	Shows string
}

// Reset names.
const (
	FactoryReset = "factory reset"
	FlashFormat  = "flash format"
)

// Conditions shared by every model: the reset forgets a hand-set TFTP server (FACTS.md
// §4.1 [S: adrianandgenese.com; "Cisco7960 Setup with FreePBX"]).
const condDHCPTFTP = "the reset erases a manually set TFTP server, so DHCP must give it: " +
	"phoneflash's DHCP does (option 150), so start phoneflash before the reset"

// legacyResets is the 7940/7960 factory reset (FACTS.md §5 [V: Cisco text quoted in
// supportforums 10985856 and ciscoknowledgebase.com; S: tracerts for the prompts]).
// These phones have no flash-format sequence.
func legacyResets() []Reset {
	return []Reset{{
		Name: FactoryReset,
		Keys: "123456789*0#",
		Steps: []ResetStep{
			{"Unplug the power (the PoE cable too if it powers the phone).", "nothing: the phone is off"},
			{"Hold # and plug the power back in; keep holding #.", "the phone starts up"},
			{"Release # when Headset, Mute and Speaker light in turn.", "Headset, Mute and Speaker flash in sequence (reset key sequence detected)"},
			{"Within 60 seconds type 1 2 3 4 5 6 7 8 9 * 0 #.", `"Keep network cfg? 1 = yes 2 = no"`},
			{"Press 2: forget the network settings, so the phone takes ours from DHCP.", `"Resetting to factory defaults", then the phone reboots and asks DHCP`},
		},
		Conditions: []string{
			condDHCPTFTP,
			"a repeated key is tolerated; a wrong key makes the phone boot normally: start over",
			`answer "Keep network cfg?" with 2 (no): a kept static address or TFTP server keeps the phone away from phoneflash`,
		},
		Note: "resets the configuration to factory defaults; the firmware stays. " +
			"To restart without unplugging: press * 6 and Settings together.",
	}}
}

// javaResets are the factory reset and the flash format of the Java phones (FACTS.md §5:
// [S: lparakhin, waynemerricks, sysop.ca, tickett; 7970: Cisco TAC K43691258]).
// term is its default-loads stem; holdShows is what the model shows while # is held at power-on.
func javaResets(model, term, holdShows string) []Reset {
	start := []ResetStep{
		{"Unplug the power (the PoE cable, or the power brick).", "nothing: the phone is off"},
		{"Hold # and plug the power back in; keep holding #.", holdShows},
	}
	conds := []string{condDHCPTFTP}
	if model == "7970" || model == "7971" {
		// [S: TAC K43691258 "cannot TFTP the TERM70.default load ... with inline power"]
		conds = append(conds, "power the "+model+" from its AC power brick, not PoE: on inline power it cannot load the default loads during the reset")
	}
	factory := append(append([]ResetStep{}, start...),
		ResetStep{"Release # and type 1 2 3 4 5 6 7 8 9 * 0 #.", "the line buttons flash green, then the phone reboots and asks DHCP"},
		ResetStep{"Wait: the phone fetches its default loads and writes flash.", "a busy or blank screen for 4-5 minutes, then it reboots by itself"},
	)
	format := append(append([]ResetStep{}, start...),
		ResetStep{"Release # and type 3 4 9 1 6 7 2 8 5 0 * #.", "the lights toggle red; the phone looks dead while it formats its flash"},
		ResetStep{"Wait, do not unplug: formatting and reloading take 5 minutes or more.", "nothing for minutes, then DHCP and a long download"},
	)
	return []Reset{
		{
			Name: FactoryReset, Keys: "123456789*0#", Steps: factory,
			Conditions: conds,
			Note:       "deletes the settings and key files and reboots; the phone then fetches its default loads file (" + term + ".default.loads) from TFTP",
		},
		{
			Name: FlashFormat, Keys: "3491672850*#", Steps: format,
			Conditions: append(append([]string{}, conds...),
				"use it only when the factory reset does not help: the phone has no application until the download completes"),
			Note: "formats the flash (all but the CNU bootloader) and reloads the default loads from TFTP",
		},
	}
}
