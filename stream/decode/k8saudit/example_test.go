package k8saudit_test

import (
	"fmt"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/k8saudit"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func ExampleDecode() {
	const record = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata",` +
		`"auditID":"e4f5a6b7-c8d9-4e0f-9a1b-3c4d5e6f7a8b","stage":"ResponseStarted",` +
		`"requestURI":"/api/v1/namespaces/shop/pods/web-0/exec?command=sh&command=-c&command=id%20-u&container=web&stdin=true",` +
		`"verb":"get","user":{"username":"alice","groups":["dev"]},` +
		`"objectRef":{"resource":"pods","namespace":"shop","name":"web-0","apiVersion":"v1","subresource":"exec"},` +
		`"responseStatus":{"code":101},"requestReceivedTimestamp":"2024-06-02T14:03:21.008800Z"}`
	// The dispatcher parses each record once; decoders read the tape.
	var tape parse.Tape
	if err := tape.Parse(record); err != nil {
		fmt.Println(err)
		return
	}
	var ev schemas.Event
	if err := k8saudit.Decode(&tape, tape.Root(), &ev); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Kind, ev.Pod.Namespace+"/"+ev.Pod.Name, ev.Session.Type, ev.Session.Container)
	fmt.Println(ev.Session.Command)
	// Output:
	// session shop/web-0 exec web
	// sh -c 'id -u'
}
