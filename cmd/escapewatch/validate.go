package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/escapewatch/escapewatch/correlate"
)

func runValidate(_ context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(s.err)
	policyFile := fs.String("policy", "", "policy `file` to check")
	configFile := fs.String("config", "", "service configuration `file` to check, as run would load it (with the ESCAPEWATCH_* environment), and the policy it names")
	fs.Usage = func() {
		fmt.Fprintln(s.err, "Usage: escapewatch validate [--policy FILE] [--config FILE]\n\nChecks a policy file or a service configuration strictly and explains every error.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*policyFile == "" && *configFile == "") || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	code := 0
	if *configFile != "" {
		cfs := flag.NewFlagSet("config", flag.ContinueOnError)
		cf := addConfigFlags(cfs)
		*cf.file = *configFile
		cfg, err := cf.load(cfs, os.LookupEnv)
		if err != nil {
			explain(s, *configFile, err)
			return 1
		}
		fmt.Fprintf(s.out, "%s is valid: role %s, brokers %s, inputs %s, keyed topic %s (%d partitions when created), alerts to %s\n",
			*configFile, cfg.Role, strings.Join(cfg.Brokers, ","), strings.Join(cfg.Topics.Inputs(), ","), cfg.Topics.Keyed,
			cfg.KeyedPartitions, cfg.Topics.Alerts)
		if *policyFile == "" && cfg.Policy != "" {
			*policyFile = cfg.Policy
		}
	}
	if *policyFile != "" {
		code = validatePolicy(s, *policyFile)
	}
	return code
}

func validatePolicy(s stdio, file string) int {
	pol, err := loadPolicy(file)
	if err != nil {
		explain(s, file, err)
		return 1
	}
	disabled := 0
	for _, r := range correlate.Catalogue() {
		if !pol.Enabled(r.ID) {
			disabled++
		}
	}
	fmt.Fprintf(s.out, "%s is valid: window %s, exec window %s, skew %s, %d allowlist entr%s of your own, built-in allowlist %s, %d rule(s) disabled\n",
		file, pol.Windows.Window.D(), pol.Windows.ExecWindow.D(), pol.Windows.Skew.D(), len(pol.Allowlist),
		plural(len(pol.Allowlist), "y", "ies"), onOff(pol.DefaultAllowlist), disabled)
	return 0
}

func explain(s stdio, file string, err error) {
	fmt.Fprintf(s.err, "%s is not valid:\n", file)
	for _, line := range errorLines(err) {
		fmt.Fprintf(s.err, "  - %s\n", line)
	}
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
