package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/escapewatch/escapewatch/correlate"
)

func runRules(_ context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(s.err)
	policyFile := fs.String("policy", "", "show windows, severities and switches of this policy `file` (default: built-in policy)")
	allowlist := fs.Bool("allowlist", false, "also list the built-in allowlist")
	fs.Usage = func() {
		fmt.Fprintln(s.err, "Usage: escapewatch rules [--policy FILE] [--allowlist]\n\nLists the rule catalogue: id, name, severity and window.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	pol, err := loadPolicy(*policyFile)
	if err != nil {
		fmt.Fprintln(s.err, "escapewatch rules:", err)
		return 2
	}
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tWINDOW\tENABLED\tNAME")
	for _, r := range correlate.Catalogue() {
		sev := pol.Severity(r.ID).String()
		if r.SeverityNote != "" {
			sev += " (" + r.SeverityNote + ")"
		}
		window := "-"
		if w := pol.Windows.WindowOf(r.ID); w > 0 {
			window = w.String()
		}
		enabled := "yes"
		if !pol.Enabled(r.ID) {
			enabled = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Code, sev, window, enabled, r.Name)
	}
	_ = tw.Flush()
	fmt.Fprintf(s.out, "\nskew %s, allowed lateness %s, termination grace %s, link wait %s\n",
		pol.Windows.Skew.D(), pol.Windows.Lateness.D(), pol.Windows.TerminationGrace.D(), pol.Windows.LinkWait.D())
	if *allowlist {
		fmt.Fprintln(s.out, "\nBuilt-in allowlist (images matched by their full repository, registry included; mirrors need a policy entry with family:):")
		for _, f := range correlate.BuiltinFamilies() {
			var ids []string
			for _, id := range f.Rules {
				ids = append(ids, id.String())
			}
			fmt.Fprintf(s.out, "  %s: %s\n    rules: %s\n", f.Name, strings.Join(f.Images, ", "), strings.Join(ids, " "))
		}
	}
	return 0
}

// loadPolicy loads a policy file, or the built-in policy for "".
func loadPolicy(file string) (*correlate.Policy, error) {
	if file == "" {
		return correlate.DefaultPolicy(), nil
	}
	return correlate.LoadPolicy(file)
}
