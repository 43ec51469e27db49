package auditd

import (
	"strings"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

// Limits of the Grouper. They count records, never wall-clock time, so that
// the same input always groups the same way.
const (
	// maxOpenGroups bounds the events held open; the oldest is emitted
	// when another would exceed it.
	maxOpenGroups = 64
	// staleAfter is how many records of other events may arrive after an
	// event's last record before it is emitted without its EOE.
	staleAfter = 32
)

// Grouper assembles raw auditd records into events. Records of one event
// share their node and msg=audit(<sec>.<ms>:<serial>) stamp; an event is
// emitted on its EOE record, when it has seen no record of its own for
// staleAfter records, when maxOpenGroups would be exceeded, or on Flush.
// Records that form events of their own (user-space messages such as
// USER_LOGIN, CONFIG_CHANGE, DAEMON_*) are emitted at once unless an event
// with their stamp is open.
//
// Events passed to fn point into buffers the Grouper reuses: call Detach on
// an event to keep it. The zero value is ready to use; a Grouper is not safe
// for concurrent use.
type Grouper struct {
	open   []*group // in order of arrival
	free   []*group
	single group
	seq    uint64 // records added so far
	ev     schemas.Event
	b      builder
}

// group holds copies of the records of one event.
type group struct {
	// buf holds "<node>:<stamp>" (the event's NativeID), then the records,
	// each preceded by a newline.
	buf     []byte
	nodeLen int
	idLen   int
	recs    []span
	ref     schemas.Ref
	time    time.Time
	last    uint64 // seq of the newest record
}

// span locates one record's type and fields in group.buf.
type span struct {
	typ, typEnd, body, end int
}

// Add takes one raw audit record line and calls fn for every event it
// completes. A record that cannot be parsed gives a *parse.Error and
// changes nothing; an error from fn is returned as is.
func (g *Grouper) Add(line string, ref schemas.Ref, fn func(*schemas.Event) error) error {
	h, err := parseHeader(line)
	if err != nil {
		return err
	}
	g.seq++
	if err := g.emitStale(&h, fn); err != nil {
		return err
	}
	i := g.find(h.node, h.stamp)
	switch {
	case h.typ == "EOE":
		if i < 0 {
			return nil // its event went out already
		}
		return g.emitAt(i, fn)
	case i >= 0:
		gr := g.open[i]
		gr.add(&h)
		gr.last = g.seq
		return nil
	case !partOfSyscallEvent(h.typ):
		g.single.start(&h, ref)
		g.single.add(&h)
		return g.emit(&g.single, fn)
	}
	if len(g.open) >= maxOpenGroups {
		if err := g.emitAt(0, fn); err != nil {
			return err
		}
	}
	gr := g.take()
	gr.start(&h, ref)
	gr.add(&h)
	gr.last = g.seq
	g.open = append(g.open, gr)
	return nil
}

// Flush emits every open event in order of arrival.
func (g *Grouper) Flush(fn func(*schemas.Event) error) error {
	for len(g.open) > 0 {
		if err := g.emitAt(0, fn); err != nil {
			return err
		}
	}
	return nil
}

// emitStale emits the events that staleAfter records of other events have
// followed, h being the newest record.
func (g *Grouper) emitStale(h *header, fn func(*schemas.Event) error) error {
	for i := 0; i < len(g.open); {
		gr := g.open[i]
		if g.seq-gr.last >= staleAfter && !gr.is(h.node, h.stamp) {
			if err := g.emitAt(i, fn); err != nil {
				return err
			}
			continue
		}
		i++
	}
	return nil
}

// find returns the index of the open event with this node and stamp, or -1.
// The newest events are the likeliest.
func (g *Grouper) find(node, stamp string) int {
	for i := len(g.open) - 1; i >= 0; i-- {
		if g.open[i].is(node, stamp) {
			return i
		}
	}
	return -1
}

func (g *Grouper) take() *group {
	if n := len(g.free); n > 0 {
		gr := g.free[n-1]
		g.free = g.free[:n-1]
		return gr
	}
	return new(group)
}

func (g *Grouper) emitAt(i int, fn func(*schemas.Event) error) error {
	gr := g.open[i]
	copy(g.open[i:], g.open[i+1:])
	g.open[len(g.open)-1] = nil
	g.open = g.open[:len(g.open)-1]
	err := g.emit(gr, fn)
	g.free = append(g.free, gr)
	return err
}

func (g *Grouper) emit(gr *group, fn func(*schemas.Event) error) error {
	ev := &g.ev
	ev.Reset()
	g.b.build(ev, gr)
	return fn(ev)
}

func (gr *group) start(h *header, ref schemas.Ref) {
	gr.buf = append(gr.buf[:0], h.node...)
	gr.nodeLen = len(gr.buf)
	gr.buf = append(gr.buf, ':')
	gr.buf = append(gr.buf, h.stamp...)
	gr.idLen = len(gr.buf)
	gr.recs = gr.recs[:0]
	gr.ref = ref
	gr.time = h.time
}

// add copies a record: the caller reuses the line's buffer.
func (gr *group) add(h *header) {
	gr.buf = append(gr.buf, '\n')
	at := len(gr.buf)
	gr.buf = append(gr.buf, h.line...)
	gr.recs = append(gr.recs, span{
		typ:    at + h.typOff,
		typEnd: at + h.typOff + len(h.typ),
		body:   at + h.bodyOff,
		end:    len(gr.buf),
	})
}

func (gr *group) is(node, stamp string) bool {
	return view(gr.buf[:gr.nodeLen]) == node && view(gr.buf[gr.nodeLen+1:gr.idLen]) == stamp
}

// partOfSyscallEvent reports whether records of this type belong to a
// kernel syscall event (SYSCALL and its auxiliary records, which share the
// SYSCALL's stamp and end with EOE) rather than forming an event alone.
// AVC and friends are written before the SYSCALL record of their syscall,
// so they open an event too.
func partOfSyscallEvent(typ string) bool {
	switch typ {
	case "SYSCALL", "EXECVE", "PATH", "CWD", "PROCTITLE", "SOCKADDR", "SOCKETCALL",
		"FD_PAIR", "OBJ_PID", "BPRM_FCAPS", "CAPSET", "MMAP", "IPC", "IPC_SET_PERM",
		"MQ_OPEN", "MQ_SENDRECV", "MQ_NOTIFY", "MQ_GETSETATTR", "KERNEL_OTHER",
		"NETFILTER_CFG", "KERN_MODULE", "FANOTIFY", "TIME_INJOFFSET", "TIME_ADJNTPVAL",
		"BPF", "OPENAT2", "URINGOP", "AVC", "SELINUX_ERR", "AVC_PATH", "MAC_IPSEC_EVENT":
		return true
	}
	return strings.HasPrefix(typ, "APPARMOR_")
}
