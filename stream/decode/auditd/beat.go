package auditd

import (
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// DecodeBeat fills ev from the Auditbeat JSON document at node n of t
// (auditd module, ECS fields with the audit specifics under auditd.*). It
// also reads the go-libaudit coalesced event that Auditbeat is built on,
// whose audit fields (sequence, result, data, paths, user.ids) sit at the
// top level.
func DecodeBeat(t *parse.Tape, n parse.Node, ev *schemas.Event) error {
	if t.Kind(n) != parse.KindObject {
		return parse.Errorf(parse.ReasonUnrecognized, "Auditbeat document is not a JSON object")
	}
	d := beatDoc{t: t}
	d.timestamp, d.sequence, d.data, d.paths, d.tags, d.proc, d.uid, d.dest =
		parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing
	d.members(n)
	if t.Kind(d.timestamp) != parse.KindString {
		return parse.Errorf(parse.ReasonBadTime, "Auditbeat document has no @timestamp")
	}
	tm, err := parse.RFC3339(t.Str(d.timestamp))
	if err != nil {
		return err
	}
	ev.Time = tm
	ev.Source = schemas.SourceSyscall
	ev.Producer = schemas.ProducerAuditd
	ev.Node = d.host
	if ev.Node == "" {
		ev.Node = d.agentHost
	}
	ev.NativeID = nativeID(d.host, t.Str(d.sequence))

	d.process(ev)
	ev.Process.UID, _ = intOf(t, d.uid)

	data := d.auditData()
	ev.Syscall = data.syscall
	switch {
	case ev.Syscall != "":
		ev.Kind = schemas.KindSyscall
		if isExec(ev.Syscall) {
			ev.Kind = schemas.KindProcess
		}
	default:
		ev.Kind = schemas.KindLifecycle
	}
	ev.NSFlags = nsFlags(ev.Syscall, data.a0, data.a1)
	ev.Denied = d.result == "fail"
	if tag := d.firstTag(); t.Kind(tag) == parse.KindString {
		ev.Signature = t.Str(tag)
	}
	ev.Process.TTY = data.tty != "" && data.tty != "(none)"

	write, op := fileOp(ev.Syscall, data.a1, data.a2)
	if ev.Syscall == "ptrace" {
		op = ptraceRequest(data.a0)
	}
	ev.File.Write, ev.File.Op = write, op
	d.file(ev)
	if ev.Syscall == "mount" {
		d.mount(ev)
	}
	d.net(ev, &data)

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
// Of duplicate members the last counts.
type beatDoc struct {
	t                                          *parse.Tape
	timestamp, sequence                        parse.Node
	host, agentHost                            string
	result                                     string
	data, paths, tags                          parse.Node
	proc                                       parse.Node
	uid                                        parse.Node
	filePath                                   string
	dest                                       parse.Node
	containerID, containerName, containerImage string
	podName, podNamespace, podUID              string
}

// members reads the members of object n (the document, or its auditd
// object, whose members count as top-level ones).
func (d *beatDoc) members(n parse.Node) {
	t := d.t
	for c := t.First(n); c.Exists(); c = t.Next(c) {
		d.set(t.Key(c), c)
	}
}

func (d *beatDoc) set(key string, v parse.Node) {
	t := d.t
	switch key {
	case "@timestamp":
		d.timestamp = v
	case "auditd":
		if t.Kind(v) == parse.KindObject {
			d.members(v)
		}
	case "sequence":
		d.sequence = v
	case "result":
		d.result = str(t, v)
	case "data":
		d.data = v
	case "paths":
		d.paths = v
	case "tags":
		d.tags = v
	case "process":
		d.proc = v
	case "user":
		d.uid = t.Get(v, "id")
		if !d.uid.Exists() {
			d.uid = dotted(t, v, "ids", "uid")
		}
	case "file":
		d.filePath = str(t, t.Get(v, "path"))
	case "destination":
		d.dest = v
	case "host":
		d.host = str(t, t.Get(v, "name"))
	case "agent":
		d.agentHost = str(t, t.Get(v, "hostname"))
	case "container":
		d.containerID = str(t, t.Get(v, "id"))
		d.containerName = str(t, t.Get(v, "name"))
		d.containerImage = str(t, dotted(t, v, "image", "name"))
	case "kubernetes":
		d.podName = str(t, dotted(t, v, "pod", "name"))
		d.podUID = str(t, dotted(t, v, "pod", "uid"))
		ns := t.Get(v, "namespace")
		if t.Kind(ns) == parse.KindObject {
			ns = t.Get(ns, "name")
		}
		d.podNamespace = str(t, ns)
		if d.containerName == "" {
			d.containerName = str(t, dotted(t, v, "container", "name"))
		}
	}
}

// dotted looks up obj.outer.inner: the inner member of the first member
// named outer that has one (a later outer counts when an earlier one is no
// object or lacks inner).
func dotted(t *parse.Tape, obj parse.Node, outer, inner string) parse.Node {
	if t.Kind(obj) != parse.KindObject {
		return parse.Missing
	}
	for c := t.First(obj); c.Exists(); c = t.Next(c) {
		if t.Key(c) == outer {
			if v := t.Get(c, inner); v.Exists() {
				return v
			}
		}
	}
	return parse.Missing
}

// firstTag is tags[0], or the member "0" of a tags object.
func (d *beatDoc) firstTag() parse.Node {
	switch d.t.Kind(d.tags) {
	case parse.KindArray:
		return d.t.Index(d.tags, 0)
	case parse.KindObject:
		return d.t.Get(d.tags, "0")
	}
	return parse.Missing
}

// nativeID is "<host>:<sequence>"; without a host, the sequence alone.
func nativeID(host, seq string) string {
	if seq == "" || host == "" {
		return seq
	}
	return host + ":" + seq
}

// beatData is what is read of auditd.data (data in go-libaudit): the
// syscall with its arguments, the tty, and the SOCKADDR fields.
type beatData struct {
	syscall, a0, a1, a2, tty                   string
	socket, socketPath, socketAddr, socketPort parse.Node
}

// auditData reads data in one walk; of duplicate members the first counts.
func (d *beatDoc) auditData() beatData {
	t := d.t
	syscall, a0, a1, a2, tty := parse.Missing, parse.Missing, parse.Missing, parse.Missing, parse.Missing
	b := beatData{socket: parse.Missing, socketPath: parse.Missing, socketAddr: parse.Missing, socketPort: parse.Missing}
	if t.Kind(d.data) == parse.KindObject {
		for c := t.First(d.data); c.Exists(); c = t.Next(c) {
			switch t.Key(c) {
			case "syscall":
				keepFirst(&syscall, c)
			case "a0":
				keepFirst(&a0, c)
			case "a1":
				keepFirst(&a1, c)
			case "a2":
				keepFirst(&a2, c)
			case "tty":
				keepFirst(&tty, c)
			case "socket":
				keepFirst(&b.socket, c)
			case "socket_path":
				keepFirst(&b.socketPath, c)
			case "socket_addr":
				keepFirst(&b.socketAddr, c)
			case "socket_port":
				keepFirst(&b.socketPort, c)
			}
		}
	}
	b.syscall, b.a0, b.a1, b.a2, b.tty = str(t, syscall), str(t, a0), str(t, a1), str(t, a2), str(t, tty)
	return b
}

// process reads process.* in its ECS form (executable, working_directory,
// args array) and its go-libaudit form (exe, cwd, pid as a string).
func (d *beatDoc) process(ev *schemas.Event) {
	t := d.t
	p := &ev.Process
	var title string
	if t.Kind(d.proc) == parse.KindObject {
		for c := t.First(d.proc); c.Exists(); c = t.Next(c) {
			switch t.Key(c) {
			case "pid":
				p.PID, _ = intOf(t, c)
			case "name":
				p.Name = str(t, c)
			case "executable", "exe":
				p.Exe = str(t, c)
			case "working_directory", "cwd":
				p.Cwd = str(t, c)
			case "args":
				if t.Kind(c) == parse.KindArray {
					p.ArgvJSON = t.Raw(c)
				}
			case "title":
				title = str(t, c)
			}
		}
	}
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
	t := d.t
	var created, normal, deleted string
	if k := t.Kind(d.paths); k == parse.KindArray || k == parse.KindObject {
		for item := t.First(d.paths); item.Exists(); item = t.Next(item) {
			typ, objtype, name := pathEntry(t, item)
			if typ == "" {
				typ = objtype // go-libaudit before nametype
			}
			switch {
			case typ == "CREATE" && created == "":
				created = name
			case typ == "NORMAL" && normal == "":
				normal = name
			case typ == "DELETE" && deleted == "":
				deleted = name
			}
		}
	}
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

// mount fills Mount from auditd.paths[], the PATH records in the order the
// kernel wrote them, as the raw decoder does: mount(2) looks up the target
// first (item 0), a source path (block device, bind mount source) later
// under another name. auditd.data.a0…a3 are the syscall's arguments as
// pointers, and file.path is go-libaudit's summary object (item 1), so
// neither says which is which; Auditbeat records no fs type.
func (d *beatDoc) mount(ev *schemas.Event) {
	t := d.t
	if k := t.Kind(d.paths); k != parse.KindArray && k != parse.KindObject {
		return
	}
	item := t.First(d.paths)
	if !item.Exists() {
		return
	}
	_, _, target := pathEntry(t, item)
	ev.Mount.Target = absolutePath(target, ev.Process.Cwd)
	for item = t.Next(item); item.Exists(); item = t.Next(item) {
		if _, _, name := pathEntry(t, item); name != "" && name != target {
			ev.Mount.Source = absolutePath(name, ev.Process.Cwd)
			return
		}
	}
}

// absolutePath joins a relative PATH name to the working directory, as
// builder.absolute does for raw records.
func absolutePath(name, cwd string) string {
	if name == "" || name[0] == '/' || cwd == "" {
		return name
	}
	for len(name) > 2 && name[0] == '.' && name[1] == '/' {
		name = name[2:]
	}
	if cwd[len(cwd)-1] == '/' {
		return cwd + name
	}
	return cwd + "/" + name
}

// pathEntry reads one paths[] item in one walk; of duplicate members the
// first counts.
func pathEntry(t *parse.Tape, item parse.Node) (nametype, objtype, name string) {
	if t.Kind(item) != parse.KindObject {
		return "", "", ""
	}
	nt, ot, nm := parse.Missing, parse.Missing, parse.Missing
	for c := t.First(item); c.Exists(); c = t.Next(c) {
		switch t.Key(c) {
		case "nametype":
			keepFirst(&nt, c)
		case "objtype":
			keepFirst(&ot, c)
		case "name":
			keepFirst(&nm, c)
		}
	}
	return str(t, nt), str(t, ot), str(t, nm)
}

// net takes the connect destination: destination.{path,ip,port} (ECS), or
// the socket fields of the SOCKADDR record (auditd.data.socket.* in
// Auditbeat, data.socket_* in go-libaudit).
func (d *beatDoc) net(ev *schemas.Event, data *beatData) {
	t := d.t
	n := &ev.Net
	n.UnixPath = str(t, t.Get(d.dest, "path"))
	n.Addr = str(t, t.Get(d.dest, "ip"))
	port, _ := intOf(t, t.Get(d.dest, "port"))
	if n.UnixPath == "" && n.Addr == "" {
		socket := data.socket
		n.UnixPath = first(str(t, t.Get(socket, "path")), str(t, data.socketPath))
		n.Addr = first(str(t, t.Get(socket, "addr")), str(t, data.socketAddr))
		port, _ = intOf(t, t.Get(socket, "port"))
		if port == 0 {
			port, _ = intOf(t, data.socketPort)
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
