package correlate

import (
	"fmt"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

// RuleID is a rule of the catalogue (CONTRACT §4). The zero value is no rule.
type RuleID uint8

// The v1 catalogue.
const (
	ruleNone RuleID = iota
	RuleS01         // privileged container
	RuleS02         // host namespaces
	RuleS03         // dangerous capability added
	RuleS04         // sensitive host path mounted
	RuleS05         // container runtime socket mounted
	RuleS06         // working directory under /proc/*/fd (CVE-2024-21626)
	RuleS07         // session into a risky container or pod
	RuleA01         // host namespace entry
	RuleA02         // unshare
	RuleA03         // mount
	RuleA04         // cgroup release_agent / notify_on_release write
	RuleA05         // core_pattern / modprobe write
	RuleA06         // sysrq
	RuleA07         // kernel module load
	RuleA08         // container runtime socket access
	RuleA09         // chroot
	RuleA10         // raw disk access
	RuleA11         // cross-process injection
	RuleA12         // /proc/*/exe overwrite (CVE-2019-5736)
	RuleA13         // access under a mounted host path
	RuleA14         // kubelet API access
	RuleA15         // escape reconnaissance
	RuleA16         // keyring / bpf / fsconfig syscalls
	RuleC01         // escape chain
	RuleC02         // session escape
	RuleC03         // host disk takeover
	ruleCount
)

// RuleClass groups rules by what they react to.
type RuleClass uint8

// Rule classes.
const (
	// ClassStart rules judge how a container or pod was started and set
	// risk flags.
	ClassStart RuleClass = iota + 1
	// ClassAction rules judge one host-level action inside a container.
	ClassAction
	// ClassChain rules join a risky start or session with an action.
	ClassChain
)

// WindowKind says which configured window bounds a rule.
type WindowKind uint8

// Windows of rules.
const (
	WindowNone WindowKind = iota
	WindowStart
	WindowExec
)

// Rule describes one rule of the catalogue.
type Rule struct {
	ID       RuleID
	Code     string // "ESC-S01"
	Name     string
	Version  int
	Class    RuleClass
	Severity schemas.Severity // default severity, before any raise
	// SeverityNote says when the severity differs from the default.
	SeverityNote string
	Window       WindowKind
	// Escalates is set for rules whose alerts always call for escalation;
	// other action rules escalate only in a container with risk flags.
	Escalates bool
}

var catalogue = [ruleCount]Rule{
	RuleS01: {Code: "ESC-S01", Name: "Privileged container", Class: ClassStart, Severity: schemas.SeverityLow},
	RuleS02: {Code: "ESC-S02", Name: "Host namespaces shared with the container", Class: ClassStart, Severity: schemas.SeverityLow,
		SeverityNote: "medium for hostPID together with PRIV, SYS_PTRACE or SYS_ADMIN"},
	RuleS03: {Code: "ESC-S03", Name: "Dangerous capability added", Class: ClassStart, Severity: schemas.SeverityLow},
	RuleS04: {Code: "ESC-S04", Name: "Sensitive host path mounted", Class: ClassStart, Severity: schemas.SeverityMedium,
		SeverityNote: "high for / mounted writable"},
	RuleS05: {Code: "ESC-S05", Name: "Container runtime socket mounted", Class: ClassStart, Severity: schemas.SeverityMedium},
	RuleS06: {Code: "ESC-S06", Name: "Working directory under /proc/*/fd (CVE-2024-21626)", Class: ClassStart, Severity: schemas.SeverityHigh, Escalates: true},
	RuleS07: {Code: "ESC-S07", Name: "Interactive session into a risky container or pod", Class: ClassStart, Severity: schemas.SeverityMedium},
	RuleA01: {Code: "ESC-A01", Name: "Host namespace entry", Class: ClassAction, Severity: schemas.SeverityMedium, Window: WindowStart, Escalates: true,
		SeverityNote: "high when the target is PID 1"},
	RuleA02: {Code: "ESC-A02", Name: "Namespace creation with unshare", Class: ClassAction, Severity: schemas.SeverityLow, Window: WindowStart},
	RuleA03: {Code: "ESC-A03", Name: "Mount inside a container", Class: ClassAction, Severity: schemas.SeverityMedium, Window: WindowStart, Escalates: true,
		SeverityNote: "high for a block device in a privileged container"},
	RuleA04: {Code: "ESC-A04", Name: "cgroup release_agent or notify_on_release written", Class: ClassAction, Severity: schemas.SeverityHigh, Window: WindowStart, Escalates: true},
	RuleA05: {Code: "ESC-A05", Name: "Kernel core_pattern or modprobe path written", Class: ClassAction, Severity: schemas.SeverityHigh, Window: WindowStart, Escalates: true},
	RuleA06: {Code: "ESC-A06", Name: "SysRq trigger or setting written", Class: ClassAction, Severity: schemas.SeverityHigh, Window: WindowStart, Escalates: true},
	RuleA07: {Code: "ESC-A07", Name: "Kernel module load from a container", Class: ClassAction, Severity: schemas.SeverityHigh, Window: WindowStart, Escalates: true},
	RuleA08: {Code: "ESC-A08", Name: "Container runtime socket accessed", Class: ClassAction, Severity: schemas.SeverityHigh, Window: WindowStart, Escalates: true},
	RuleA09: {Code: "ESC-A09", Name: "chroot inside a container", Class: ClassAction, Severity: schemas.SeverityMedium, Window: WindowStart},
	RuleA10: {Code: "ESC-A10", Name: "Raw disk or kernel memory access", Class: ClassAction, Severity: schemas.SeverityMedium, Window: WindowStart, Escalates: true},
	RuleA11: {Code: "ESC-A11", Name: "Cross-process injection", Class: ClassAction, Severity: schemas.SeverityMedium, Window: WindowStart},
	RuleA12: {Code: "ESC-A12", Name: "Runtime binary overwrite through /proc/*/exe (CVE-2019-5736)", Class: ClassAction, Severity: schemas.SeverityHigh, Window: WindowStart, Escalates: true},
	RuleA13: {Code: "ESC-A13", Name: "Access under a mounted host path", Class: ClassAction, Severity: schemas.SeverityMedium, Window: WindowStart, Escalates: true,
		SeverityNote: "high for writes"},
	RuleA14: {Code: "ESC-A14", Name: "Kubelet API access from a container", Class: ClassAction, Severity: schemas.SeverityMedium, Window: WindowStart},
	RuleA15: {Code: "ESC-A15", Name: "Escape reconnaissance", Class: ClassAction, Severity: schemas.SeverityInfo, Window: WindowStart,
		SeverityNote: "never alone; raises another hit in the same container"},
	RuleA16: {Code: "ESC-A16", Name: "Keyring, BPF or filesystem-context syscall", Class: ClassAction, Severity: schemas.SeverityLow, Window: WindowStart},
	RuleC01: {Code: "ESC-C01", Name: "Escape chain: risky container start followed by a host-level action", Class: ClassChain, Severity: schemas.SeverityCritical, Window: WindowStart, Escalates: true},
	RuleC02: {Code: "ESC-C02", Name: "Session escape: session into a risky container followed by a host-level action", Class: ClassChain, Severity: schemas.SeverityCritical, Window: WindowExec, Escalates: true},
	RuleC03: {Code: "ESC-C03", Name: "Host disk takeover: block device mounted, then chroot or write below it", Class: ClassChain, Severity: schemas.SeverityCritical, Window: WindowStart, Escalates: true},
}

// Catalogue returns every rule in catalogue order.
func Catalogue() []Rule {
	out := make([]Rule, 0, ruleCount-1)
	for id := RuleS01; id < ruleCount; id++ {
		r := catalogue[id]
		r.ID = id
		r.Version = 1
		out = append(out, r)
	}
	return out
}

// Info returns the description of a rule.
func (id RuleID) Info() Rule {
	if id == ruleNone || id >= ruleCount {
		return Rule{}
	}
	r := catalogue[id]
	r.ID = id
	r.Version = 1
	return r
}

// String returns the rule code, "ESC-A01".
func (id RuleID) String() string {
	if id == ruleNone || id >= ruleCount {
		return fmt.Sprintf("rule(%d)", uint8(id))
	}
	return catalogue[id].Code
}

// ParseRuleID parses a rule code such as "ESC-C01".
func ParseRuleID(code string) (RuleID, error) {
	for id := RuleS01; id < ruleCount; id++ {
		if catalogue[id].Code == code {
			return id, nil
		}
	}
	return ruleNone, fmt.Errorf("unknown rule %q (rules are ESC-S01…ESC-S07, ESC-A01…ESC-A16, ESC-C01…ESC-C03)", code)
}

// WindowOf returns the window a rule uses under the given configuration, or
// zero for rules without one.
func (w Windows) WindowOf(id RuleID) time.Duration {
	switch id.Info().Window {
	case WindowStart:
		return w.Window.D()
	case WindowExec:
		return w.ExecWindow.D()
	}
	return 0
}

// RuleSet is a set of rules.
type RuleSet uint32

// Has reports whether id is in the set.
func (s RuleSet) Has(id RuleID) bool { return s&(1<<id) != 0 }

// With returns the set with id added.
func (s RuleSet) With(id RuleID) RuleSet { return s | 1<<id }

// IDs returns the rules in the set in catalogue order.
func (s RuleSet) IDs() []RuleID {
	var out []RuleID
	for id := RuleS01; id < ruleCount; id++ {
		if s.Has(id) {
			out = append(out, id)
		}
	}
	return out
}

func (id RuleID) isStart() bool  { return id >= RuleS01 && id <= RuleS07 }
func (id RuleID) isAction() bool { return id >= RuleA01 && id <= RuleA16 }
