package falco

import (
	"strings"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

// applyFD fills File or Net from fd.name, using fd.type (or fd.typechar)
// when the alert carries it and the shape of the name otherwise.
//
// libsinsp names a file descriptor by its path for files, by
// "src:port->dst:port" for connected IP sockets, "addr:port" for listening
// ones, and by the socket path for unix sockets (sometimes prefixed with
// the kernel addresses of both ends, "ffff…->ffff… /run/x.sock").
func applyFD(ev *schemas.Event, name, fdType string) {
	if name == "" {
		return
	}
	switch fdType {
	case "ipv4", "ipv6", "4", "6":
		setEndpoint(&ev.Net, name)
		return
	case "unix", "u":
		// Abstract sockets start with '@'; unnamed ones have no path.
		if p := unixPath(name); strings.HasPrefix(p, "/") || strings.HasPrefix(p, "@") {
			ev.Net.UnixPath = p
		}
		return
	case "file", "directory", "f", "d":
		if strings.HasPrefix(name, "/") {
			ev.File.Path = name
		}
		return
	case "":
	default: // pipes, eventfds, netlink, bpf … carry no path worth keeping
		return
	}
	if !strings.HasPrefix(name, "/") {
		if !setEndpoint(&ev.Net, name) {
			if p := unixPath(name); strings.HasPrefix(p, "/") {
				ev.Net.UnixPath = p
			}
		}
		return
	}
	if strings.HasSuffix(name, ".sock") {
		ev.Net.UnixPath = name
		return
	}
	ev.File.Path = name
}

// setEndpoint sets the destination of a socket tuple "src:port->dst:port"
// (or a lone "addr:port"); it reports false when name is not of that shape.
func setEndpoint(n *schemas.Net, name string) bool {
	if i := strings.Index(name, "->"); i >= 0 {
		name = name[i+2:]
	}
	i := strings.LastIndexByte(name, ':')
	if i <= 0 {
		return false
	}
	port, ok := parse.Int(name[i+1:])
	if !ok || port < 0 || port > 65535 {
		return false
	}
	n.Addr = strings.TrimSuffix(strings.TrimPrefix(name[:i], "["), "]")
	n.Port = int(port)
	return true
}

// unixPath strips the "ffff…->ffff… " kernel address prefix libsinsp puts
// before the path of some unix sockets.
func unixPath(name string) string {
	if i := strings.LastIndexByte(name, ' '); i >= 0 {
		return name[i+1:]
	}
	return name
}
