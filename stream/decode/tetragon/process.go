package tetragon

import (
	"strings"
	"unicode/utf8"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeProcess fills the process, container and pod of ev from the
// event's process and parent objects (tetragon.proto Process) and returns
// the process start_time. Each object's members are walked once; of the
// parent only binary and arguments are read.
func decodeProcess(t *parse.Tape, process, parent parse.Node, ev *schemas.Event) (start parse.Node) {
	start = parse.Missing
	p := &ev.Process
	c := &ev.Container
	var docker string
	var hasPod, hasCaps bool
	for m := t.First(process); m.Exists(); m = t.Next(m) {
		switch t.Key(m) {
		case "binary":
			p.Exe = str(t, m)
			p.Name = schemas.Base(p.Exe)
		case "arguments":
			p.Args = str(t, m)
		case "cwd":
			p.Cwd = str(t, m)
		case "pid":
			p.PID, _ = int64Of(t, m)
		case "uid":
			p.UID, _ = int64Of(t, m)
		case "start_time":
			start = m
		case "docker":
			docker = str(t, m)
		case "pod":
			hasPod = t.Kind(m) == parse.KindObject
			decodePod(t, m, ev)
		case "cap":
			// protojson leaves out an empty set, so a cap object without
			// "effective" means no effective capabilities.
			hasCaps = t.Kind(m) == parse.KindObject
			c.Caps = capMask(t, t.Get(m, "effective"))
		}
	}
	if c.ID == "" && docker != "" {
		// The docker field is a prefix of the id read from the cgroup name.
		c.ID, _ = normalizeID(docker)
	}
	// A process outside any pod and container cgroup runs on the host;
	// events without a process (throttle, rate limit) say nothing.
	c.Host = t.Kind(process) == parse.KindObject && !hasPod && docker == ""
	c.CapsKnown = hasCaps
	if !c.Host && hasCaps && c.Caps&schemas.AllCaps == schemas.AllCaps {
		c.Privileged = true
	}

	for m := t.First(parent); m.Exists(); m = t.Next(m) {
		switch t.Key(m) {
		case "binary":
			p.ParentName = schemas.Base(str(t, m))
		case "arguments":
			p.ParentArgs = str(t, m)
		}
	}
	return start
}

// decodePod fills the pod and container of ev from a Pod object.
func decodePod(t *parse.Tape, pod parse.Node, ev *schemas.Event) {
	for m := t.First(pod); m.Exists(); m = t.Next(m) {
		switch t.Key(m) {
		case "namespace":
			ev.Pod.Namespace = str(t, m)
		case "name":
			ev.Pod.Name = str(t, m)
		case "uid":
			ev.Pod.UID = str(t, m)
		case "container":
			decodeContainer(t, m, &ev.Container)
		}
	}
}

func decodeContainer(t *parse.Tape, container parse.Node, c *schemas.Container) {
	for m := t.First(container); m.Exists(); m = t.Next(m) {
		switch t.Key(m) {
		case "id":
			if id := str(t, m); id != "" {
				c.ID, c.Runtime = normalizeID(id)
			}
		case "name":
			c.Name = str(t, m)
		case "image":
			c.Image = str(t, t.Get(m, "name"))
		case "start_time":
			if tm, err := rfc3339(str(t, m)); err == nil {
				c.StartTime = tm
			}
		case "security_context":
			c.Privileged = c.Privileged || t.Bool(t.Get(m, "privileged"))
		}
	}
}

// normalizeID is schemas.NormalizeContainerID applied until the id stops
// changing: one pass leaves "a://b://<id>" and "docker:// <id>" with a
// scheme or space still to strip, and Container.ID must be a fixed point
// of the normalization. Each pass that changes the id shortens or
// lower-cases it, so the loop ends.
//
// The ids of every event, "containerd://<hex>" or the bare hex of the
// docker field, take a fast path with the same result: one pass strips
// the scheme and leaves lower-case hex, which no further pass changes.
func normalizeID(s string) (id, runtime string) {
	i := strings.Index(s, "://")
	switch {
	case i > 0 && s[0] > ' ' && s[0] < utf8.RuneSelf && lowerHex(s[i+3:]):
		// No space to trim (the id ends in hex), one scheme.
		runtime = s[:i]
		if runtime == "crio" {
			runtime = "cri-o"
		}
		return s[i+3:], runtime
	case i < 0 && lowerHex(s):
		return s, ""
	}
	id, runtime = schemas.NormalizeContainerID(s)
	for {
		next, _ := schemas.NormalizeContainerID(id)
		if next == id {
			return id, runtime
		}
		id = next
	}
}

// lowerHex reports whether s is non-empty and only 0-9 and a-f.
func lowerHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// capMask sets a bit per capability name of a CapabilitiesType array, in
// one pass over it. Names are "CAP_CHOWN" … except DAC_OVERRIDE, which
// tetragon.proto spells without the prefix. As gjson's ForEach did, the
// members of an object count as names too, and a lone value as one name.
func capMask(t *parse.Tape, names parse.Node) uint64 {
	switch t.Kind(names) {
	case parse.KindArray, parse.KindObject:
	default:
		if !names.Exists() {
			return 0
		}
		return capBit(str(t, names))
	}
	var mask uint64
	for m := t.First(names); m.Exists(); m = t.Next(m) {
		mask |= capBit(str(t, m))
	}
	return mask
}
