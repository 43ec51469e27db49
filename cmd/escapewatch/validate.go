package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/escapewatch/escapewatch/correlate"
)

func runValidate(_ context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(s.err)
	policyFile := fs.String("policy", "", "policy `file` to check (required)")
	fs.Usage = func() {
		fmt.Fprintln(s.err, "Usage: escapewatch validate --policy FILE\n\nChecks a policy file strictly and explains every error.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *policyFile == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	pol, err := loadPolicy(*policyFile)
	if err != nil {
		fmt.Fprintf(s.err, "%s is not valid:\n", *policyFile)
		for _, line := range errorLines(err) {
			fmt.Fprintf(s.err, "  - %s\n", line)
		}
		return 1
	}
	disabled := 0
	for _, r := range correlate.Catalogue() {
		if !pol.Enabled(r.ID) {
			disabled++
		}
	}
	fmt.Fprintf(s.out, "%s is valid: window %s, exec window %s, skew %s, %d allowlist entr%s of your own, built-in allowlist %s, %d rule(s) disabled\n",
		*policyFile, pol.Windows.Window.D(), pol.Windows.ExecWindow.D(), pol.Windows.Skew.D(), len(pol.Allowlist),
		plural(len(pol.Allowlist), "y", "ies"), onOff(pol.DefaultAllowlist), disabled)
	return 0
}

// errorLines splits a joined error into one line per problem.
func errorLines(err error) []string {
	var lines []string
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			lines = append(lines, errorLines(e)...)
		}
		return lines
	}
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
