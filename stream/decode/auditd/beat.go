package auditd

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeBeat fills ev from one Auditbeat JSON document (auditd module, ECS
// fields with the audit specifics under auditd.*). It also reads the
// go-libaudit coalesced event that Auditbeat is built on, whose audit
// fields (sequence, result, data, paths, user.ids) sit at the top level.
func DecodeBeat(raw string, ev *schemas.Event) error {
	root := gjson.Parse(raw)
	if !root.IsObject() {
		return parse.Errorf(parse.ReasonUnrecognized, "Auditbeat document is not a JSON object")
	}
	var d beatDoc
	root.ForEach(func(key, value gjson.Result) bool {
		d.set(key.Str, value)
		return true
	})
	if d.timestamp.Type != gjson.String {
		return parse.Errorf(parse.ReasonBadTime, "Auditbeat document has no @timestamp")
	}
	t, err := parse.RFC3339(d.timestamp.Str)
	if err != nil {
		return err
	}
	ev.Time = t
	ev.Source = schemas.SourceSyscall
	ev.Producer = schemas.ProducerAuditd
	ev.Node = d.host
	if ev.Node == "" {
		ev.Node = d.agentHost
	}
	ev.NativeID = nativeID(d.host, d.sequence)

	d.process(ev)
	ev.Process.UID, _ = parse.Int64(d.uid)

	data := d.data
	ev.Syscall = data.Get("syscall").Str
	switch {
	case ev.Syscall != "":
		ev.Kind = schemas.KindSyscall
		if isExec(ev.Syscall) {
			ev.Kind = schemas.KindProcess
		}
	default:
		ev.Kind = schemas.KindLifecycle
	}
	a0, a1, a2 := data.Get("a0").Str, data.Get("a1").Str, data.Get("a2").Str
	ev.NSFlags = nsFlags(ev.Syscall, a0, a1)
	ev.Denied = d.result == "fail"
	if tag := d.tags.Get("0"); tag.Type == gjson.String {
		ev.Signature = tag.Str
	}
	tty := data.Get("tty").Str
	ev.Process.TTY = tty != "" && tty != "(none)"

	write, op := fileOp(ev.Syscall, a1, a2)
	ev.File.Write, ev.File.Op = write, op
	d.file(ev)
	d.net(ev, data)

	ev.Container.Name = d.containerName
	ev.Container.Image = d.containerImage
	if d.containerID != "" {
		ev.Container.ID, ev.Container.Runtime = schemas.NormalizeContainerID(d.containerID)
	}
	ev.Pod = schemas.Pod{Namespace: d.podNamespace, Name: d.podName, UID: d.podUID}
	if name, pod, ok := dockershimName(ev.Container.Name); ok {
		ev.Container.Name = name
		if ev.Pod.IsZero() {
			ev.Pod = pod
		}
	}
	return nil
}

// dockershimName splits the Docker name the kubelet's dockershim gives
// containers, k8s_<container>_<pod>_<namespace>_<uid>_<attempt>, as
// add_docker_metadata reports it in container.name.
func dockershimName(s string) (container string, pod schemas.Pod, ok bool) {
	rest, found := strings.CutPrefix(s, "k8s_")
	if !found {
		return "", pod, false
	}
	var parts [5]string
	for i := range parts {
		var more bool
		parts[i], rest, more = strings.Cut(rest, "_")
		if parts[i] == "" || (i < len(parts)-1 && !more) {
			return "", schemas.Pod{}, false
		}
	}
	if rest != "" {
		return "", schemas.Pod{}, false
	}
	return parts[0], schemas.Pod{Name: parts[1], Namespace: parts[2], UID: parts[3]}, true
}

// beatDoc gathers the top-level parts of an Auditbeat document in one pass.
type beatDoc struct {
	timestamp                                  gjson.Result
	host, agentHost                            string
	sequence                                   gjson.Result
	result                                     string
	data, paths, tags                          gjson.Result
	proc                                       gjson.Result
	uid                                        gjson.Result
	filePath                                   string
	dest                                       gjson.Result
	containerID, containerName, containerImage string
	podName, podNamespace, podUID              string
}

func (d *beatDoc) set(key string, v gjson.Result) {
	switch key {
	case "@timestamp":
		d.timestamp = v
	case "auditd":
		v.ForEach(func(k, av gjson.Result) bool {
			d.set(k.Str, av)
			return true
		})
	case "sequence":
		d.sequence = v
	case "result":
		d.result = v.Str
	case "data":
		d.data = v
	case "paths":
		d.paths = v
	case "tags":
		d.tags = v
	case "process":
		d.proc = v
	case "user":
		d.uid = v.Get("id")
		if !d.uid.Exists() {
			d.uid = v.Get("ids.uid")
		}
	case "file":
		d.filePath = v.Get("path").Str
	case "destination":
		d.dest = v
	case "host":
		d.host = v.Get("name").Str
	case "agent":
		d.agentHost = v.Get("hostname").Str
	case "container":
		d.containerID = v.Get("id").Str
		d.containerName = v.Get("name").Str
		d.containerImage = v.Get("image.name").Str
	case "kubernetes":
		d.podName = v.Get("pod.name").Str
		d.podUID = v.Get("pod.uid").Str
		ns := v.Get("namespace")
		if ns.IsObject() {
			ns = ns.Get("name")
		}
		d.podNamespace = ns.Str
		if d.containerName == "" {
			d.containerName = v.Get("container.name").Str
		}
	}
}

// nativeID is "<host>:<sequence>"; without a host, the sequence alone.
func nativeID(host string, seq gjson.Result) string {
	s := parse.Str(seq)
	if s == "" || host == "" {
		return s
	}
	return host + ":" + s
}

// process reads process.* in its ECS form (executable, working_directory,
// args array) and its go-libaudit form (exe, cwd, pid as a string).
func (d *beatDoc) process(ev *schemas.Event) {
	p := &ev.Process
	var title string
	d.proc.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "pid":
			p.PID, _ = parse.Int64(v)
		case "name":
			p.Name = v.Str
		case "executable", "exe":
			p.Exe = v.Str
		case "working_directory", "cwd":
			p.Cwd = v.Str
		case "args":
			if v.IsArray() {
				p.ArgvJSON = v.Raw
			}
		case "title":
			title = v.Str
		}
		return true
	})
	if p.ArgvJSON == "" && title != "" {
		// The title is the command line (the PROCTITLE record): drop argv[0].
		for i := 0; i < len(title); i++ {
			if title[i] == ' ' {
				p.Args = title[i+1:]
				break
			}
		}
	}
}

// file takes the path the syscall created (a CREATE item of
// auditd.paths[]), else file.path, else the first item looked up (NORMAL),
// else the first deleted one. go-libaudit's file.path is its summary
// object, which for a rename is the old name and for a mknod the parent
// directory.
func (d *beatDoc) file(ev *schemas.Event) {
	var created, normal, deleted string
	d.paths.ForEach(func(_, item gjson.Result) bool {
		t := item.Get("nametype").Str
		if t == "" {
			t = item.Get("objtype").Str // go-libaudit before nametype
		}
		name := item.Get("name").Str
		switch {
		case t == "CREATE" && created == "":
			created = name
		case t == "NORMAL" && normal == "":
			normal = name
		case t == "DELETE" && deleted == "":
			deleted = name
		}
		return true
	})
	if created != "" || deleted != "" {
		ev.File.Write = true
	}
	for _, p := range [...]string{created, d.filePath, normal, deleted} {
		if p != "" {
			ev.File.Path = p
			return
		}
	}
}

// net takes the connect destination: destination.{path,ip,port} (ECS), or
// the socket fields of the SOCKADDR record (auditd.data.socket.* in
// Auditbeat, data.socket_* in go-libaudit).
func (d *beatDoc) net(ev *schemas.Event, data gjson.Result) {
	n := &ev.Net
	n.UnixPath = d.dest.Get("path").Str
	n.Addr = d.dest.Get("ip").Str
	port, _ := parse.Int64(d.dest.Get("port"))
	if n.UnixPath == "" && n.Addr == "" {
		socket := data.Get("socket")
		n.UnixPath = first(socket.Get("path").Str, data.Get("socket_path").Str)
		n.Addr = first(socket.Get("addr").Str, data.Get("socket_addr").Str)
		port, _ = parse.Int64(socket.Get("port"))
		if port == 0 {
			port, _ = parse.Int64(data.Get("socket_port"))
		}
	}
	n.Port = int(port)
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
