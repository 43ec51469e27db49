package correlate

import (
	"fmt"
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

// evItem is one event as evidence. One item is shared by every alert the
// event contributes to, so the rules it matched are listed once.
type evItem struct {
	at      time.Time
	native  string
	seq     uint64
	rules   RuleSet
	summary string
	source  schemas.Source
	prod    schemas.Producer
	ref     schemas.Ref
}

func (it *evItem) evidence() schemas.Evidence {
	rules := make([]string, 0, 4)
	for _, id := range it.rules.IDs() {
		rules = append(rules, id.String())
	}
	return schemas.Evidence{
		Source:   it.source,
		Producer: it.prod,
		Time:     formatTime(it.at),
		Summary:  it.summary,
		Rules:    rules,
		Ref:      it.ref,
	}
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

const maxSummary = 320

// summarize describes an event in one line a person can read at 3 a.m.
func summarize(ev *schemas.Event, hits *Hits) string {
	var b strings.Builder
	b.WriteString(ev.Producer.String())
	if ev.Signature != "" && (ev.Producer == schemas.ProducerFalco || ev.Producer == schemas.ProducerTracee) {
		fmt.Fprintf(&b, " %q", ev.Signature)
	}
	b.WriteString(": ")
	switch {
	case ev.Kind == schemas.KindPodSpec || (ev.Spec != nil && ev.Kind == schemas.KindContainerStart):
		summarizeSpec(&b, ev)
	case ev.Kind == schemas.KindSession || ev.Session.Type != "":
		summarizeSession(&b, ev)
	case ev.Kind == schemas.KindPodStatus:
		fmt.Fprintf(&b, "status of pod %s lists %d container id(s)", podName(ev), len(ev.Statuses))
	case ev.Kind == schemas.KindPodDelete:
		fmt.Fprintf(&b, "pod %s deleted", podName(ev))
		actor(&b, ev)
	case ev.Kind == schemas.KindContainerStart:
		fmt.Fprintf(&b, "container %s started", containerName(ev))
		if !ev.Pod.IsZero() {
			fmt.Fprintf(&b, " in pod %s", podName(ev))
		}
	case ev.Kind == schemas.KindContainerEnd:
		fmt.Fprintf(&b, "container %s removed", containerName(ev))
	default:
		summarizeAction(&b, ev, hits)
	}
	s := b.String()
	if len(s) > maxSummary {
		s = s[:maxSummary-1] + "…"
	}
	return s
}

func summarizeSpec(b *strings.Builder, ev *schemas.Event) {
	if ev.Source == schemas.SourceK8sAudit {
		fmt.Fprintf(b, "pod %s written", podName(ev))
		actor(b, ev)
	} else {
		fmt.Fprintf(b, "container %s configured", containerName(ev))
	}
	var risk []string
	s := ev.Spec
	if s.HostPID {
		risk = append(risk, "hostPID")
	}
	if s.HostIPC {
		risk = append(risk, "hostIPC")
	}
	if s.HostNetwork {
		risk = append(risk, "hostNetwork")
	}
	for _, c := range s.Containers {
		var parts []string
		if c.Privileged {
			parts = append(parts, "privileged")
		}
		if len(c.CapAdd) > 0 {
			parts = append(parts, "adds "+strings.Join(c.CapAdd, ","))
		}
		for _, m := range c.Mounts {
			mode := "rw"
			if m.ReadOnly {
				mode = "ro"
			}
			parts = append(parts, fmt.Sprintf("mounts host %s at %s (%s)", m.Source, m.Target, mode))
		}
		if c.WorkingDir != "" && isProcFD(c.WorkingDir) {
			parts = append(parts, "workingDir "+c.WorkingDir)
		}
		if len(parts) > 0 {
			name := c.Name
			if name == "" {
				name = "container"
			}
			risk = append(risk, name+" "+strings.Join(parts, ", "))
		}
	}
	for _, v := range s.Volumes {
		if !mountedBySpec(s, v) {
			risk = append(risk, fmt.Sprintf("hostPath volume %s (%s) mounted by no container", v.Name, v.HostPath))
		}
	}
	if len(risk) == 0 {
		b.WriteString(" (no risky settings)")
		return
	}
	b.WriteString(": ")
	b.WriteString(strings.Join(risk, "; "))
}

// mountedBySpec reports whether a container of the spec mounts the hostPath
// volume (or a folder below it).
func mountedBySpec(s *schemas.PodSpec, v schemas.Volume) bool {
	src := cleanPath(v.HostPath)
	for _, c := range s.Containers {
		for _, m := range c.Mounts {
			if under(cleanPath(m.Source), src) {
				return true
			}
		}
	}
	return false
}

func summarizeSession(b *strings.Builder, ev *schemas.Event) {
	kind := ev.Session.Type
	if kind == "" {
		kind = "exec"
	}
	switch kind {
	case "ephemeral":
		b.WriteString("ephemeral debug container")
		if ev.Session.Container != "" {
			b.WriteString(" " + ev.Session.Container)
		}
		b.WriteString(" added to ")
	case "proxy":
		b.WriteString("kubelet exec through nodes/proxy into ")
	case "debug":
		b.WriteString("node debug session into ")
	default:
		b.WriteString(kind + " into ")
	}
	if !ev.Pod.IsZero() {
		b.WriteString("pod " + podName(ev))
		if c := ev.Session.Container; c != "" && kind != "ephemeral" {
			b.WriteString(" container " + c)
		}
	} else {
		b.WriteString("container " + containerName(ev))
	}
	actor(b, ev)
	cmd := ev.Session.Command
	if cmd == "" && ev.Session.Type != "" && ev.Kind == schemas.KindProcess {
		cmd = commandLine(ev.Process.Command(), ev.Process.ArgList())
	}
	if cmd != "" {
		b.WriteString(": " + cmd)
	}
}

func summarizeAction(b *strings.Builder, ev *schemas.Event, hits *Hits) {
	var what string
	if hits != nil {
		for _, h := range hits.All() {
			if h.Detail != "" {
				what = h.Detail
				break
			}
		}
	}
	if what == "" {
		switch {
		case ev.Kind == schemas.KindProcess:
			what = "exec " + commandLine(ev.Process.Command(), ev.Process.ArgList())
		case ev.File.Path != "":
			verb := "open"
			if ev.File.Write {
				verb = "write"
			}
			if ev.File.Op != "" {
				verb = ev.File.Op
			}
			what = verb + " " + ev.File.Path
		case ev.Syscall != "":
			what = ev.Syscall
		default:
			what = ev.Kind.String()
		}
	}
	b.WriteString(what)
	if p := ev.Process; p.PID != 0 || p.Name != "" || p.Exe != "" {
		b.WriteString(" (")
		if n := p.Command(); n != "" && !strings.Contains(what, n) {
			b.WriteString(n + ", ")
		}
		if p.PID != 0 {
			fmt.Fprintf(b, "pid %d, ", p.PID)
		}
		fmt.Fprintf(b, "uid %d)", p.UID)
	}
	if ev.Container.Host {
		b.WriteString(" on the host")
	}
}

func actor(b *strings.Builder, ev *schemas.Event) {
	if ev.Actor.User != "" {
		b.WriteString(" by " + ev.Actor.User)
	}
}

func podName(ev *schemas.Event) string {
	if ev.Pod.Name == "" {
		return ev.Pod.Namespace + "/?"
	}
	return ev.Pod.Namespace + "/" + ev.Pod.Name
}

func containerName(ev *schemas.Event) string {
	switch {
	case ev.Container.Name != "" && ev.Container.ID != "":
		return ev.Container.Name + " (" + schemas.ShortID(ev.Container.ID) + ")"
	case ev.Container.Name != "":
		return ev.Container.Name
	case ev.Container.ID != "":
		return schemas.ShortID(ev.Container.ID)
	}
	return "?"
}
