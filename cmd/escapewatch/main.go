// Command escapewatch detects containers escaping to their host (MITRE
// ATT&CK T1611) by joining Kubernetes audit, container runtime and syscall
// events per pod or container in event time.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/escapewatch/escapewatch/schemas"
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, io stdio) int
}

// stdio are the streams a command talks to; tests replace them.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func commands() []command {
	return []command{
		{"demo", "zero-setup run: embedded broker, sample traffic, the real pipeline, alerts printed", runDemo},
		{"run", "the streaming service: consume the input topics, correlate, publish alerts", runRun},
		{"replay", "re-run detection over a time range of the input topics, then exit", runReplay},
		{"scan", "detect escapes in event files (offline); alerts go to stdout as JSON lines", runScan},
		{"rules", "list the rule catalogue", runRules},
		{"validate", "check a policy file and explain every error", runValidate},
		{"version", "print the version", func(_ context.Context, _ []string, s stdio) int {
			fmt.Fprintln(s.out, "escapewatch", schemas.ProductVersion)
			return 0
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// run dispatches a command line; it returns the process exit status.
func run(ctx context.Context, args []string, s stdio) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(s.err)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], s)
		}
	}
	fmt.Fprintf(s.err, "escapewatch: unknown command %q\n\n", args[0])
	usage(s.err)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "escapewatch — catches containers escaping to their host (MITRE ATT&CK T1611)")
	fmt.Fprintln(w, "\nUsage: escapewatch <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'escapewatch <command> -h' for the flags of a command.")
}
