package schemas

import (
	"strconv"
	"strings"
)

// ECSVersion is the Elastic Common Schema release that ToECS follows. Every
// ECS field it writes exists since ECS 8.10 (container.security_context.*
// is the most recent) and still exists in 9.0.
const ECSVersion = "9.0.0"

// ECSAlert is an alert as an ECS document with event.kind "alert", ready
// for Elastic Security's prebuilt "External Alerts" rule. Fields ECS has no
// place for are under the custom top-level field set escapewatch.
type ECSAlert struct {
	Timestamp    string           `json:"@timestamp"`
	ECS          ECSMeta          `json:"ecs"`
	Message      string           `json:"message"`
	Event        ECSEvent         `json:"event"`
	Rule         ECSRule          `json:"rule"`
	Threat       ECSThreat        `json:"threat"`
	Container    *ECSContainer    `json:"container,omitempty"`
	Orchestrator *ECSOrchestrator `json:"orchestrator,omitempty"`
	Host         *ECSHost         `json:"host,omitempty"`
	User         *ECSUser         `json:"user,omitempty"`
	Escapewatch  ECSEscapewatch   `json:"escapewatch"`
}

// ECSMeta is the ecs field set.
type ECSMeta struct {
	Version string `json:"version"`
}

// ECSEvent is the event field set.
type ECSEvent struct {
	Kind     string   `json:"kind"`
	Category []string `json:"category"`
	Type     []string `json:"type"`
	// ID is the alert id.
	ID string `json:"id"`
	// Severity follows Elastic's External Alerts severity mapping:
	// 21 low, 47 medium, 73 high, 99 critical; info is sent as 21.
	Severity  int     `json:"severity"`
	RiskScore float64 `json:"risk_score"`
	Start     string  `json:"start"`
	End       string  `json:"end"`
	Reason    string  `json:"reason,omitempty"`
	// Action is the rule id.
	Action  string `json:"action"`
	Module  string `json:"module"`
	Dataset string `json:"dataset"`
}

// ECSRule is the rule field set.
type ECSRule struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Ruleset  string `json:"ruleset"`
	Category string `json:"category"`
}

// ECSThreat is the threat field set. Tactic and technique fields are arrays
// in ECS.
type ECSThreat struct {
	Framework string         `json:"framework"`
	Tactic    ECSThreatEntry `json:"tactic"`
	Technique ECSThreatEntry `json:"technique"`
}

// ECSThreatEntry is threat.tactic or threat.technique.
type ECSThreatEntry struct {
	ID        []string `json:"id"`
	Name      []string `json:"name"`
	Reference []string `json:"reference"`
}

// ECSContainer is the container field set.
type ECSContainer struct {
	ID              string             `json:"id,omitempty"`
	Name            string             `json:"name,omitempty"`
	Image           *ECSImage          `json:"image,omitempty"`
	SecurityContext ECSSecurityContext `json:"security_context"`
}

// ECSImage is container.image: the reference split into name, tag and
// digest.
type ECSImage struct {
	Name string        `json:"name"`
	Tag  []string      `json:"tag,omitempty"`
	Hash *ECSImageHash `json:"hash,omitempty"`
}

// ECSImageHash is container.image.hash.
type ECSImageHash struct {
	All []string `json:"all"`
}

// ECSSecurityContext is container.security_context.
type ECSSecurityContext struct {
	Privileged bool `json:"privileged"`
}

// ECSOrchestrator is the orchestrator field set, for pod alerts.
type ECSOrchestrator struct {
	Type      string                  `json:"type"`
	Cluster   *ECSOrchestratorCluster `json:"cluster,omitempty"`
	Namespace string                  `json:"namespace"`
	Resource  ECSOrchestratorResource `json:"resource"`
}

// ECSOrchestratorCluster is orchestrator.cluster.
type ECSOrchestratorCluster struct {
	Name string `json:"name"`
}

// ECSOrchestratorResource is orchestrator.resource: the pod.
type ECSOrchestratorResource struct {
	Type string `json:"type"`
	Name string `json:"name"`
	// ID is the pod uid.
	ID string `json:"id,omitempty"`
}

// ECSHost is the host field set: the node or Docker host.
type ECSHost struct {
	Name     string `json:"name"`
	Hostname string `json:"hostname"`
}

// ECSUser is the user field set: the actor.
type ECSUser struct {
	Name  string    `json:"name,omitempty"`
	Group *ECSGroup `json:"group,omitempty"`
}

// ECSGroup is user.group. Name holds every group of the actor.
type ECSGroup struct {
	Name []string `json:"name"`
}

// ECSEscapewatch is the custom escapewatch field set: what ECS has no field
// for.
type ECSEscapewatch struct {
	// Severity is the native severity name (event.severity cannot tell info
	// from low).
	Severity string `json:"severity"`
	Escalate bool   `json:"escalate"`
	// Answers holds the four playbook answers as keywords, for queries such
	// as escapewatch.answers.docker_sock:yes.
	Answers   ECSAnswers `json:"answers"`
	Questions []Question `json:"questions"`
	// Risk holds the container's risk flags.
	Risk            []string   `json:"risk,omitempty"`
	Evidence        []Evidence `json:"evidence"`
	EvidenceDropped int        `json:"evidence_dropped,omitempty"`
	Containment     []string   `json:"containment"`
	// Node is the Kubernetes node, for pod alerts.
	Node string `json:"node,omitempty"`
}

// ECSAnswers are the answers to the four playbook questions, in order.
type ECSAnswers struct {
	HostMounts    string `json:"host_mounts"`
	Privileged    string `json:"privileged"`
	UnshareKeyctl string `json:"unshare_keyctl"`
	DockerSock    string `json:"docker_sock"`
}

// ecsSeverity maps a severity to event.severity and event.risk_score.
// Elastic's External Alerts rule maps event.severity 21/47/73/99 to
// low/medium/high/critical; any other value falls back to the rule's default
// (medium), so info is sent as 21 (low, the lowest Elastic severity) with a
// risk score below low's.
func ecsSeverity(s Severity) (severity int, risk float64) {
	switch s {
	case SeverityInfo:
		return 21, 10
	case SeverityLow:
		return 21, 21
	case SeverityMedium:
		return 47, 47
	case SeverityHigh:
		return 73, 73
	}
	return 99, 99
}

// ToECS maps a native alert to an ECS document. event.id is the alert id;
// index it with document _id = id so that redelivery and replay overwrite
// instead of duplicating. The result shares slices with a. See
// docs/ALERT_FORMATS.md for the mapping field by field.
func ToECS(a *Alert) ECSAlert {
	sev, risk := ecsSeverity(a.Severity)
	d := ECSAlert{
		Timestamp: a.LastSeen,
		ECS:       ECSMeta{Version: ECSVersion},
		Message:   a.Summary,
		Event: ECSEvent{
			Kind:      "alert",
			Category:  []string{"intrusion_detection"},
			Type:      []string{"info"},
			ID:        a.ID,
			Severity:  sev,
			RiskScore: risk,
			Start:     a.FirstSeen,
			End:       a.LastSeen,
			Reason:    a.EscalationReason,
			Action:    a.Rule.ID,
			Module:    "escapewatch",
			Dataset:   "escapewatch.alert",
		},
		Rule: ECSRule{
			ID:       a.Rule.ID,
			Name:     a.Rule.Name,
			Version:  strconv.Itoa(a.Rule.Version),
			Ruleset:  "escapewatch",
			Category: ruleCategory(a.Rule.ID),
		},
		Threat: ECSThreat{
			Framework: "MITRE ATT&CK",
			Tactic: ECSThreatEntry{
				ID:        []string{a.MITRE.Tactic},
				Name:      []string{a.MITRE.TacticName},
				Reference: []string{mitreTacticURL(a.MITRE.Tactic)},
			},
			Technique: ECSThreatEntry{
				ID:        []string{a.MITRE.Technique},
				Name:      []string{a.MITRE.TechniqueName},
				Reference: []string{mitreTechniqueURL(a.MITRE.Technique)},
			},
		},
		Escapewatch: ECSEscapewatch{
			Severity:        a.Severity.String(),
			Escalate:        a.Escalate,
			Answers:         ecsAnswers(a.Questions),
			Questions:       a.Questions,
			Evidence:        a.Evidence,
			EvidenceDropped: a.EvidenceDropped,
			Containment:     a.Containment,
		},
	}
	if c := a.Container; c != nil {
		d.Container = &ECSContainer{ID: c.ID, Name: c.Name, SecurityContext: ECSSecurityContext{Privileged: c.Privileged}}
		if c.Image != "" {
			d.Container.Image = ecsImage(c.Image)
		}
		d.Escapewatch.Risk = c.Risk
	}
	if k := a.Kubernetes; k != nil {
		o := &ECSOrchestrator{
			Type:      "kubernetes",
			Namespace: k.Namespace,
			Resource:  ECSOrchestratorResource{Type: "pod", Name: k.Pod, ID: k.PodUID},
		}
		if k.Cluster != "" {
			o.Cluster = &ECSOrchestratorCluster{Name: k.Cluster}
		}
		d.Orchestrator = o
		d.Escapewatch.Node = k.Node
	}
	if a.Host.Name != "" {
		d.Host = &ECSHost{Name: a.Host.Name, Hostname: a.Host.Name}
	}
	if a.Actor.User != "" || len(a.Actor.Groups) > 0 {
		d.User = &ECSUser{Name: a.Actor.User}
		if len(a.Actor.Groups) > 0 {
			d.User.Group = &ECSGroup{Name: a.Actor.Groups}
		}
	}
	return d
}

// ecsAnswers picks the answers of the four playbook questions by their text,
// so that a reordered or partial list still lands in the right fields.
func ecsAnswers(qs []Question) ECSAnswers {
	out := ECSAnswers{HostMounts: AnswerUnknown, Privileged: AnswerUnknown, UnshareKeyctl: AnswerUnknown, DockerSock: AnswerUnknown}
	for _, q := range qs {
		switch q.Question {
		case QuestionHostMounts:
			out.HostMounts = q.Answer
		case QuestionPrivileged:
			out.Privileged = q.Answer
		case QuestionSyscalls:
			out.UnshareKeyctl = q.Answer
		case QuestionDockerSock:
			out.DockerSock = q.Answer
		}
	}
	return out
}

// ecsImage splits an image reference such as
// registry:5000/team/app:1.2@sha256:ab… into name (registry:5000/team/app),
// tag (1.2) and digest (sha256:ab…).
func ecsImage(ref string) *ECSImage {
	img := &ECSImage{}
	name := ref
	if i := strings.IndexByte(name, '@'); i >= 0 {
		img.Hash = &ECSImageHash{All: []string{name[i+1:]}}
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 && i > strings.LastIndexByte(name, '/') {
		img.Tag = []string{name[i+1:]}
		name = name[:i]
	}
	img.Name = name
	return img
}
