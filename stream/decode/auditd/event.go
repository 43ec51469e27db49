package auditd

import (
	"net/netip"

	"github.com/escapewatch/escapewatch/schemas"
)

// builder turns the records of one event into an Event. Strings decoded
// from hex, joined paths and argument lists go to arena, which is reused
// for the next event.
type builder struct {
	arena []byte
	tmp   []byte
}

// maxPaths bounds the PATH records looked at; syscalls that matter name
// at most four (rename).
const maxPaths = 8

// value is a field value as written: quoted, or bare (and then possibly
// hex-encoded).
type value struct {
	s      string
	quoted bool
}

// pathItem is one PATH record.
type pathItem struct {
	name     value
	nametype string
}

// facts are the fields of an event's records that the Event needs, raw.
type facts struct {
	hasSyscall bool
	arch, nr   string
	success    string
	res        string
	args       [4]string
	pid, uid   string
	tty        string
	comm, exe  value
	key        value
	cwd        value
	execve     string // body of the first EXECVE record
	proctitle  value
	saddr      string
	paths      [maxPaths]pathItem
	nPaths     int
}

func (b *builder) build(ev *schemas.Event, gr *group) {
	b.arena = b.arena[:0]
	ev.Time = gr.time
	ev.Source = schemas.SourceSyscall
	ev.Producer = schemas.ProducerAuditd
	ev.NativeID = view(gr.buf[:gr.idLen])
	ev.Node = view(gr.buf[:gr.nodeLen])
	ev.Ref = gr.ref
	ev.Raw = gr.buf[gr.idLen+1:]

	var f facts
	for _, r := range gr.recs {
		f.take(view(gr.buf[r.typ:r.typEnd]), view(gr.buf[r.body:r.end]))
	}

	p := &ev.Process
	p.PID, _ = decimal(f.pid)
	p.UID, _ = decimal(f.uid)
	p.Name = b.text(f.comm)
	p.Exe = b.text(f.exe)
	p.TTY = f.tty != "" && f.tty != "(none)"
	p.Cwd = b.text(f.cwd)
	switch {
	case f.execve != "":
		var argv0 string
		argv0, p.Args = b.execveArgs(f.execve)
		if p.Name == "" {
			// The SYSCALL record is missing; argv[0] is the best name left.
			p.Name = schemas.Base(argv0)
		}
	case f.proctitle.s != "" && !f.proctitle.quoted:
		p.Args = b.proctitleArgs(f.proctitle.s)
	}
	ev.Denied = f.success == "no" || f.res == "failed" || f.res == "fail"

	switch {
	case f.hasSyscall:
		ev.Syscall = syscallName(f.arch, f.nr)
		ev.Kind = schemas.KindSyscall
		if isExec(ev.Syscall) {
			ev.Kind = schemas.KindProcess
		}
		ev.Signature = firstKey(b.text(f.key))
	case f.execve != "":
		ev.Kind = schemas.KindProcess
	default:
		ev.Kind = schemas.KindLifecycle
	}

	b.files(ev, &f)
	if ev.Syscall == "ptrace" {
		ev.File.Op = ptraceRequest(f.args[0])
	}
	ev.NSFlags = nsFlags(ev.Syscall, f.args[0], f.args[1])
	if f.saddr != "" {
		b.sockaddr(&ev.Net, f.saddr)
		if ev.Net.UnixPath != "" && ev.Net.UnixPath[0] != '@' {
			ev.Net.UnixPath = b.absolute(ev.Net.UnixPath, ev.Process.Cwd)
		}
	}
}

// take reads the fields of one record. The SYSCALL record describes the
// process; other records fill what it left empty.
func (f *facts) take(typ, body string) {
	switch typ {
	case "EXECVE":
		if f.execve == "" {
			f.execve = body
		}
		return
	case "PROCTITLE":
		f.proctitle = field(body, "proctitle")
		return
	case "SOCKADDR":
		f.saddr = field(body, "saddr").s
		return
	case "PATH":
		if f.nPaths < maxPaths {
			f.paths[f.nPaths] = pathRecord(body)
			f.nPaths++
		}
		return
	}
	syscall := typ == "SYSCALL"
	if syscall {
		f.hasSyscall = true
	}
	set := func(dst *string, v string) {
		if syscall || *dst == "" {
			*dst = v
		}
	}
	setValue := func(dst *value, v string, quoted bool) {
		if syscall || dst.s == "" {
			*dst = value{v, quoted}
		}
	}
	it := fields{s: body}
	for {
		key, v, quoted, ok := it.next()
		if !ok {
			return
		}
		switch key {
		case "arch":
			if syscall {
				f.arch = v
			}
		case "syscall":
			if syscall {
				f.nr = v
			}
		case "success":
			f.success = v
		case "res":
			f.res = v
		case "a0", "a1", "a2", "a3":
			if syscall {
				f.args[key[1]-'0'] = v
			}
		case "pid":
			set(&f.pid, v)
		case "uid":
			set(&f.uid, v)
		case "tty":
			set(&f.tty, v)
		case "comm":
			setValue(&f.comm, v, quoted)
		case "exe":
			setValue(&f.exe, v, quoted)
		case "cwd":
			setValue(&f.cwd, v, quoted)
		case "key":
			if syscall {
				f.key = value{v, quoted}
			}
		}
	}
}

// field returns the value of one key of a record body.
func field(body, name string) value {
	it := fields{s: body}
	for {
		key, v, quoted, ok := it.next()
		if !ok {
			return value{}
		}
		if key == name {
			return value{v, quoted}
		}
	}
}

func pathRecord(body string) pathItem {
	var p pathItem
	it := fields{s: body}
	for {
		key, v, quoted, ok := it.next()
		if !ok {
			return p
		}
		switch key {
		case "name":
			p.name = value{v, quoted}
		case "nametype", "objtype": // objtype before Linux 4.x
			p.nametype = v
		}
	}
}

// text decodes a string field: quoted as is, bare hex decoded, and the
// "(null)" and "?" placeholders empty.
func (b *builder) text(v value) string {
	switch {
	case v.quoted:
		return v.s
	case v.s == "(null)" || v.s == "?":
		return ""
	case isHexText(v.s):
		start := len(b.arena)
		b.arena = appendHex(b.arena, v.s)
		return view(b.arena[start:])
	}
	return v.s
}

// firstKey returns the first audit rule key: several keys come hex-encoded
// and separated by 0x01.
func firstKey(keys string) string {
	for i := 0; i < len(keys); i++ {
		if keys[i] == 0x01 {
			return keys[:i]
		}
	}
	return keys
}

func isExec(syscall string) bool { return syscall == "execve" || syscall == "execveat" }

// files fills File and Mount from the PATH records. The path is the first
// item created or looked up (nametype CREATE or NORMAL), else the first
// deleted one, made absolute with the CWD record.
func (b *builder) files(ev *schemas.Event, f *facts) {
	if f.nPaths == 0 {
		write, op := fileOp(ev.Syscall, f.args[1], f.args[2])
		ev.File.Write, ev.File.Op = write, op
		return
	}
	chosen := -1
	for i := 0; i < f.nPaths && chosen < 0; i++ {
		if t := f.paths[i].nametype; t == "CREATE" || t == "NORMAL" {
			chosen = i
		}
	}
	for i := 0; i < f.nPaths && chosen < 0; i++ {
		if f.paths[i].nametype == "DELETE" {
			chosen = i
		}
	}
	if chosen >= 0 {
		item := f.paths[chosen]
		ev.File.Path = b.absolute(b.text(item.name), ev.Process.Cwd)
		write, op := fileOp(ev.Syscall, f.args[1], f.args[2])
		ev.File.Write = write || item.nametype == "CREATE" || item.nametype == "DELETE"
		ev.File.Op = op
	}
	if ev.Syscall == "mount" {
		// mount(2) looks up the target first; a block device source is
		// looked up later, under another name.
		target := b.text(f.paths[0].name)
		ev.Mount.Target = b.absolute(target, ev.Process.Cwd)
		for i := 1; i < f.nPaths; i++ {
			if name := b.text(f.paths[i].name); name != "" && name != target {
				ev.Mount.Source = b.absolute(name, ev.Process.Cwd)
				break
			}
		}
	}
}

// absolute joins a relative PATH name to the working directory.
func (b *builder) absolute(name, cwd string) string {
	if name == "" || name[0] == '/' || cwd == "" {
		return name
	}
	for len(name) > 2 && name[0] == '.' && name[1] == '/' {
		name = name[2:]
	}
	start := len(b.arena)
	b.arena = append(b.arena, cwd...)
	if cwd[len(cwd)-1] != '/' {
		b.arena = append(b.arena, '/')
	}
	b.arena = append(b.arena, name...)
	return view(b.arena[start:])
}

// execveArgs joins the arguments a1…aN of an EXECVE record, shell-quoted
// where needed. Long arguments come in chunks aN[0], aN[1]… after aN_len.
func (b *builder) execveArgs(body string) (argv0, args string) {
	b.tmp = b.tmp[:0]
	current := -1
	it := fields{s: body}
	start := -1
	for {
		key, v, quoted, ok := it.next()
		if !ok {
			break
		}
		n, ok := argIndex(key)
		if !ok {
			continue
		}
		if n == 0 {
			argv0 = b.text(value{v, quoted})
			continue
		}
		if start < 0 {
			start = len(b.arena)
		}
		if n != current {
			b.endArg(start, current)
			current = n
		}
		if !quoted && isHexText(v) {
			b.tmp = appendHex(b.tmp, v)
		} else {
			b.tmp = append(b.tmp, v...)
		}
	}
	if start < 0 {
		return argv0, ""
	}
	b.endArg(start, current)
	return argv0, view(b.arena[start:])
}

func (b *builder) endArg(start, n int) {
	if n <= 0 {
		return
	}
	if len(b.arena) > start {
		b.arena = append(b.arena, ' ')
	}
	b.arena = appendQuoted(b.arena, b.tmp)
	b.tmp = b.tmp[:0]
}

// argIndex reads N from the EXECVE keys aN and aN[i]; aN_len and argc are
// not arguments.
func argIndex(key string) (int, bool) {
	if len(key) < 2 || key[0] != 'a' {
		return 0, false
	}
	n := 0
	i := 1
	for ; i < len(key) && key[i] >= '0' && key[i] <= '9'; i++ {
		n = n*10 + int(key[i]-'0')
		if n > 1<<20 {
			return 0, false
		}
	}
	if i == 1 || (i < len(key) && key[i] != '[') {
		return 0, false
	}
	return n, true
}

// proctitleArgs splits a hex PROCTITLE (argv joined by NULs, cut at 128
// bytes by the kernel) and joins the arguments after argv[0].
func (b *builder) proctitleArgs(hexTitle string) string {
	if !isHexText(hexTitle) {
		return ""
	}
	b.tmp = appendHex(b.tmp[:0], hexTitle)
	start := len(b.arena)
	argv := b.tmp
	first := true
	for len(argv) > 0 {
		end := 0
		for end < len(argv) && argv[end] != 0 {
			end++
		}
		word := argv[:end]
		if end < len(argv) {
			argv = argv[end+1:]
		} else {
			argv = nil
		}
		if first {
			first = false
			continue
		}
		if len(word) == 0 && len(argv) == 0 {
			break
		}
		if len(b.arena) > start {
			b.arena = append(b.arena, ' ')
		}
		b.arena = appendQuoted(b.arena, word)
	}
	return view(b.arena[start:])
}

// appendQuoted appends an argument so that schemas.SplitArgs gives it back:
// plain words as they are, others in single quotes.
func appendQuoted(dst, word []byte) []byte {
	plain := len(word) > 0
	for _, c := range word {
		if c == ' ' || c == '\t' || c == '\n' || c == '\'' || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return append(dst, word...)
	}
	dst = append(dst, '\'')
	for _, c := range word {
		if c == '\'' {
			dst = append(dst, `'\''`...)
			continue
		}
		dst = append(dst, c)
	}
	return append(dst, '\'')
}

// Address families of a SOCKADDR record.
const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

// sockaddr decodes a SOCKADDR saddr: the raw struct sockaddr in hex, its
// family in host (little-endian) order, ports and addresses in network
// order.
func (b *builder) sockaddr(n *schemas.Net, saddr string) {
	if !isHexText(saddr) {
		return
	}
	b.tmp = appendHex(b.tmp[:0], saddr)
	sa := b.tmp
	if len(sa) < 2 {
		return
	}
	switch int(sa[0]) | int(sa[1])<<8 {
	case afUnix:
		path := sa[2:]
		abstract := len(path) > 1 && path[0] == 0
		if abstract {
			path = path[1:]
		}
		end := 0
		for end < len(path) && path[end] != 0 {
			end++
		}
		if end == 0 {
			return
		}
		start := len(b.arena)
		if abstract {
			b.arena = append(b.arena, '@')
		}
		b.arena = append(b.arena, path[:end]...)
		n.UnixPath = view(b.arena[start:])
	case afInet:
		if len(sa) < 8 {
			return
		}
		n.Port = int(sa[2])<<8 | int(sa[3])
		start := len(b.arena)
		b.arena = netip.AddrFrom4([4]byte(sa[4:8])).AppendTo(b.arena)
		n.Addr = view(b.arena[start:])
	case afInet6:
		if len(sa) < 24 {
			return
		}
		n.Port = int(sa[2])<<8 | int(sa[3])
		start := len(b.arena)
		b.arena = netip.AddrFrom16([16]byte(sa[8:24])).AppendTo(b.arena)
		n.Addr = view(b.arena[start:])
	}
}
