package schemas

import (
	"encoding/json"
	"strings"
)

// Base returns the last element of a slash-separated path without allocating.
func Base(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Argv returns the full argument vector: argv[0] (Name or Exe) followed by the
// split arguments. It allocates; call it only for events that matter.
func (p Process) Argv() []string {
	if p.ArgvJSON != "" {
		var argv []string
		if err := json.Unmarshal([]byte(p.ArgvJSON), &argv); err == nil {
			return argv
		}
	}
	argv := []string{p.Command()}
	return append(argv, SplitArgs(p.Args)...)
}

// ArgList returns the arguments without argv[0].
func (p Process) ArgList() []string {
	if p.ArgvJSON != "" && p.Args == "" {
		if argv := p.Argv(); len(argv) > 1 {
			return argv[1:]
		}
		return nil
	}
	return SplitArgs(p.Args)
}

// SplitArgs splits a command line into words the way a POSIX shell would for
// plain words, single and double quotes and backslash escapes. It does not
// expand anything.
func SplitArgs(s string) []string {
	var (
		out     []string
		cur     strings.Builder
		inWord  bool
		quote   byte
		escaped bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			cur.WriteByte(c)
			escaped = false
		case c == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// JoinArgs joins words with spaces, quoting words that contain spaces or
// quotes so that SplitArgs gives them back.
func JoinArgs(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		if w == "" || strings.ContainsAny(w, " \t\n'\"\\") {
			b.WriteByte('\'')
			b.WriteString(strings.ReplaceAll(w, "'", `'\''`))
			b.WriteByte('\'')
			continue
		}
		b.WriteString(w)
	}
	return b.String()
}
