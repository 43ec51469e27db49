package tetragon_test

import (
	"fmt"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
	"github.com/escapewatch/escapewatch/stream/decode/tetragon"
)

func ExampleDecode() {
	event := `{"process_kprobe":{"process":{"pid":63066,"binary":"/usr/bin/nsenter","arguments":"-t 1 -m -u -n -i -p",` +
		`"pod":{"namespace":"default","name":"xwing","container":{"id":"containerd://057dc8d712abf96c628c82ea111d53a205a256b0dc39bb31284426aaf378acbc"}}},` +
		`"function_name":"__x64_sys_setns","args":[{"int_arg":3},{"int_arg":134217728}],"policy_name":"namespace-access"},` +
		`"node_name":"tetragon-dev-control-plane","time":"2026-01-30T18:15:20.001042828Z"}`
	// The dispatcher parses each record once into a tape; decoders read
	// their fields from it.
	var t parse.Tape
	if err := t.Parse(event); err != nil {
		fmt.Println(err)
		return
	}
	var ev schemas.Event
	if err := tetragon.Decode(&t, t.Root(), &ev); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s %#x %s %s\n", ev.Kind, ev.Syscall, ev.NSFlags, ev.Container.Runtime, ev.Signature)
	// Output: syscall setns 0x8000000 containerd namespace-access
}
