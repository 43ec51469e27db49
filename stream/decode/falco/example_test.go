package falco_test

import (
	"fmt"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/falco"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func ExampleDecode() {
	alert := `{"rule":"Change thread namespace","source":"syscall","time":"2024-06-12T09:42:03.113902551Z",` +
		`"hostname":"worker-1","output_fields":{"container.id":"3ad7b26ded6d","k8s.ns.name":"default",` +
		`"k8s.pod.name":"attacker","proc.cmdline":"nsenter -t 1 -m sh","proc.pid":52311}}`
	// The dispatcher parses each record once into a tape; decoders read
	// their fields from it.
	var t parse.Tape
	if err := t.Parse(alert); err != nil {
		fmt.Println(err)
		return
	}
	var ev schemas.Event
	if err := falco.Decode(&t, t.Root(), &ev); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Kind, ev.Syscall, ev.Container.ID, ev.Pod.Name, ev.Process.Name, ev.Process.Args)
	// Output: syscall setns 3ad7b26ded6d attacker nsenter -t 1 -m sh
}
