package sinks

import (
	"fmt"
	"io"
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
)

// shortQuestions label the playbook questions in the text rendering.
var shortQuestions = map[string]string{
	schemas.QuestionHostMounts: "host filesystem mounted?",
	schemas.QuestionPrivileged: "elevated privileges?",
	schemas.QuestionSyscalls:   "unshare / keyctl seen?",
	schemas.QuestionDockerSock: "docker.sock touched?",
}

// WriteTextLine renders an alert as one line: severity, rule, summary.
func WriteTextLine(w io.Writer, a *schemas.Alert) error {
	_, err := fmt.Fprintf(w, "%-8s %s  %s\n", strings.ToUpper(a.Severity.String()), a.Rule.ID, a.Summary)
	return err
}

// WriteText renders an alert for a person: the headline, where and who,
// the escalation call, the evidence in time order, the playbook answers
// and the containment steps.
func WriteText(w io.Writer, a *schemas.Alert) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %s  %s\n", strings.ToUpper(a.Severity.String()), a.Rule.ID, a.Summary)
	fmt.Fprintf(&b, "  id %s   %s .. %s\n", a.ID, a.FirstSeen, a.LastSeen)
	var where []string
	if k := a.Kubernetes; k != nil {
		where = append(where, "pod "+k.Namespace+"/"+k.Pod)
		if k.Node != "" {
			where = append(where, "node "+k.Node)
		}
	} else if a.Host.Name != "" {
		where = append(where, "host "+a.Host.Name)
	}
	if c := a.Container; c != nil {
		s := "container " + c.Name + " " + schemas.ShortID(c.ID)
		if c.Image != "" {
			s += " (" + c.Image + ")"
		}
		where = append(where, s)
		if len(c.Risk) > 0 {
			where = append(where, "risk "+strings.Join(c.Risk, " "))
		}
	}
	if a.Actor.User != "" {
		where = append(where, "actor "+a.Actor.User)
	}
	if len(where) > 0 {
		fmt.Fprintf(&b, "  %s\n", strings.Join(where, "   "))
	}
	call := "no"
	if a.Escalate {
		call = "YES"
	}
	fmt.Fprintf(&b, "  escalate: %s. %s\n", call, a.EscalationReason)
	b.WriteString("  evidence:\n")
	for _, e := range a.Evidence {
		fmt.Fprintf(&b, "    %s  %-9s %s  [%s]\n", e.Time, e.Source, e.Summary, strings.Join(e.Rules, " "))
	}
	if a.EvidenceDropped > 0 {
		fmt.Fprintf(&b, "    (%d more not kept)\n", a.EvidenceDropped)
	}
	b.WriteString("  playbook:\n")
	for _, q := range a.Questions {
		label := shortQuestions[q.Question]
		if label == "" {
			label = q.Question
		}
		fmt.Fprintf(&b, "    %-26s %-7s %s\n", label, q.Answer, q.Detail)
	}
	b.WriteString("  containment:\n")
	for i, c := range a.Containment {
		fmt.Fprintf(&b, "    %d. %s\n", i+1, c)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
