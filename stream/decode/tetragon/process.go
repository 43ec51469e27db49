package tetragon

import (
	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// decodeProcess fills the process, container and pod of ev from the
// event's process and parent objects (tetragon.proto Process) and returns
// the process start_time.
func decodeProcess(process, parent gjson.Result, ev *schemas.Event) (start gjson.Result) {
	p := &ev.Process
	c := &ev.Container
	var docker string
	var hasPod, hasCaps bool
	process.ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "binary":
			p.Exe = v.Str
			p.Name = schemas.Base(v.Str)
		case "arguments":
			p.Args = v.Str
		case "cwd":
			p.Cwd = v.Str
		case "pid":
			p.PID, _ = parse.Int64(v)
		case "uid":
			p.UID, _ = parse.Int64(v)
		case "start_time":
			start = v
		case "docker":
			docker = v.Str
		case "pod":
			hasPod = v.IsObject()
			decodePod(v, ev)
		case "cap":
			// protojson leaves out an empty set, so a cap object without
			// "effective" means no effective capabilities.
			hasCaps = v.IsObject()
			c.Caps = capMask(v.Get("effective"))
		}
		return true
	})
	if c.ID == "" && docker != "" {
		// The docker field is a prefix of the id read from the cgroup name.
		c.ID, _ = normalizeID(docker)
	}
	// A process outside any pod and container cgroup runs on the host;
	// events without a process (throttle, rate limit) say nothing.
	c.Host = process.IsObject() && !hasPod && docker == ""
	c.CapsKnown = hasCaps
	if !c.Host && hasCaps && c.Caps&schemas.AllCaps == schemas.AllCaps {
		c.Privileged = true
	}

	parent.ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "binary":
			p.ParentName = schemas.Base(v.Str)
		case "arguments":
			p.ParentArgs = v.Str
		}
		return true
	})
	return start
}

// decodePod fills the pod and container of ev from a Pod object.
func decodePod(pod gjson.Result, ev *schemas.Event) {
	pod.ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "namespace":
			ev.Pod.Namespace = v.Str
		case "name":
			ev.Pod.Name = v.Str
		case "uid":
			ev.Pod.UID = v.Str
		case "container":
			decodeContainer(v, &ev.Container)
		}
		return true
	})
}

func decodeContainer(container gjson.Result, c *schemas.Container) {
	container.ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "id":
			if v.Str != "" {
				c.ID, c.Runtime = normalizeID(v.Str)
			}
		case "name":
			c.Name = v.Str
		case "image":
			c.Image = v.Get("name").Str
		case "start_time":
			if t, err := parse.RFC3339(v.Str); err == nil {
				c.StartTime = t
			}
		case "security_context":
			c.Privileged = c.Privileged || parse.True(v.Get("privileged"))
		}
		return true
	})
}

// normalizeID is schemas.NormalizeContainerID applied until the id stops
// changing: one pass leaves "a://b://<id>" and "docker:// <id>" with a
// scheme or space still to strip, and Container.ID must be a fixed point
// of the normalization. Each pass that changes the id shortens or
// lower-cases it, so the loop ends.
func normalizeID(s string) (id, runtime string) {
	id, runtime = schemas.NormalizeContainerID(s)
	for {
		next, _ := schemas.NormalizeContainerID(id)
		if next == id {
			return id, runtime
		}
		id = next
	}
}

// capMask sets a bit per capability name of a CapabilitiesType array. Names
// are "CAP_CHOWN" … except DAC_OVERRIDE, which tetragon.proto spells
// without the prefix.
func capMask(names gjson.Result) uint64 {
	var mask uint64
	names.ForEach(func(_, name gjson.Result) bool {
		mask |= schemas.CapBit(name.Str)
		return true
	})
	return mask
}
