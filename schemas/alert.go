package schemas

import (
	"fmt"
	"strings"
)

// Severity orders alerts from info to critical.
type Severity uint8

// Severities, lowest first.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses a severity name.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if n == name {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// Raise returns s raised by n levels, at most to max.
func (s Severity) Raise(n int, max Severity) Severity {
	r := int(s) + n
	if r > int(max) {
		r = int(max)
	}
	if r < int(s) {
		return s
	}
	return Severity(r)
}

// Alert is escapewatch's native alert (CONTRACT §3). Field order here is the
// order of the JSON output.
type Alert struct {
	ID       string   `json:"id"`
	Rule     RuleRef  `json:"rule"`
	Severity Severity `json:"severity"`
	MITRE    MITRE    `json:"mitre"`
	// FirstSeen and LastSeen are event times in RFC 3339 with nanoseconds.
	FirstSeen  string     `json:"first_seen"`
	LastSeen   string     `json:"last_seen"`
	Summary    string     `json:"summary"`
	Container  *AlertCtr  `json:"container,omitempty"`
	Kubernetes *AlertK8s  `json:"kubernetes,omitempty"`
	Host       AlertHost  `json:"host"`
	Actor      AlertActor `json:"actor"`
	Evidence   []Evidence `json:"evidence"`
	// EvidenceDropped counts evidence items left out by the per-alert cap.
	EvidenceDropped  int        `json:"evidence_dropped,omitempty"`
	Escalate         bool       `json:"escalate"`
	EscalationReason string     `json:"escalation_reason"`
	Questions        []Question `json:"questions"`
	Containment      []string   `json:"containment"`
}

// RuleRef names the rule that raised an alert.
type RuleRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version int    `json:"version"`
}

// MITRE is the ATT&CK classification; every escapewatch alert is T1611.
type MITRE struct {
	Tactic        string `json:"tactic"`
	TacticName    string `json:"tactic_name"`
	Technique     string `json:"technique"`
	TechniqueName string `json:"technique_name"`
}

// T1611 is the classification of every alert.
var T1611 = MITRE{
	Tactic:        "TA0004",
	TacticName:    "Privilege Escalation",
	Technique:     "T1611",
	TechniqueName: "Escape to Host",
}

// AlertCtr is the container an alert is about.
type AlertCtr struct {
	// ID is the full 64-hex id when known, else the longest id seen.
	ID         string   `json:"id,omitempty"`
	Name       string   `json:"name,omitempty"`
	Image      string   `json:"image,omitempty"`
	Privileged bool     `json:"privileged"`
	Risk       []string `json:"risk"`
}

// AlertK8s is the pod an alert is about.
type AlertK8s struct {
	Cluster   string `json:"cluster,omitempty"`
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	PodUID    string `json:"pod_uid,omitempty"`
	Node      string `json:"node,omitempty"`
}

// AlertHost is the node or Docker host.
type AlertHost struct {
	Name string `json:"name,omitempty"`
}

// AlertActor is who created the pod or started the session, when known.
type AlertActor struct {
	User   string   `json:"user,omitempty"`
	Groups []string `json:"groups"`
}

// Evidence is one event that contributed to an alert.
type Evidence struct {
	Source   Source   `json:"source"`
	Producer Producer `json:"producer"`
	Time     string   `json:"time"`
	Summary  string   `json:"summary"`
	Rules    []string `json:"rules"`
	Ref      Ref      `json:"ref"`
}

// Question is one of the four playbook questions with its answer.
type Question struct {
	Question string `json:"question"`
	// Answer is "yes", "no" or "unknown".
	Answer string `json:"answer"`
	Detail string `json:"detail"`
}

// The four playbook questions, in the order alerts list them (CONTRACT §3).
const (
	QuestionHostMounts = "Was there any recently deployed container with bind mounts of the host filesystem?"
	QuestionPrivileged = "Were any containers running with elevated privileges?"
	QuestionSyscalls   = "Are there logs of system calls 'unshare' or 'keyctl' that are not typically used by the applications?"
	QuestionDockerSock = "Was there unauthorized access or modification noted to 'docker.sock'?"
)

// Answers to playbook questions.
const (
	AnswerYes     = "yes"
	AnswerNo      = "no"
	AnswerUnknown = "unknown"
)
