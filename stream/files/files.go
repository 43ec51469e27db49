package files

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// Input is one file to read, named as reached from the command-line
// argument ("-" for standard input).
type Input struct {
	Name string
	open func() (io.ReadCloser, error)
}

// Open opens the input, decompressing .gz files.
func (in Input) Open() (io.ReadCloser, error) { return in.open() }

// extensions read when walking a folder (each also in a .gz form).
var extensions = []string{".json", ".jsonl", ".ndjson", ".log"}

// Collect expands the command-line paths into inputs: "-" is standard input,
// a folder is walked recursively for *.json, *.jsonl, *.ndjson, *.log and
// their .gz forms (in lexical order), a file is read whatever its name. It
// fails on the first path that cannot be opened.
func Collect(paths []string, stdin io.Reader) ([]Input, error) {
	var out []Input
	for _, p := range paths {
		if p == "-" {
			out = append(out, Input{Name: "-", open: func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("cannot open %s: %w", p, unwrapPathError(err))
		}
		if !st.IsDir() {
			out = append(out, fileInput(p))
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && wanted(path) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("cannot read folder %s: %w", p, unwrapPathError(err))
		}
		slices.Sort(found)
		for _, f := range found {
			out = append(out, fileInput(f))
		}
	}
	return out, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func wanted(path string) bool {
	path = strings.TrimSuffix(path, ".gz")
	for _, ext := range extensions {
		if strings.HasSuffix(path, ext) {
			return true
		}
	}
	return false
}

func fileInput(path string) Input {
	return Input{Name: path, open: func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("cannot open %s: %w", path, unwrapPathError(err))
		}
		if !strings.HasSuffix(path, ".gz") {
			return f, nil
		}
		z, err := gzip.NewReader(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("cannot read %s as gzip: %w", path, err)
		}
		return gzipFile{z, f}, nil
	}}
}

type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g gzipFile) Close() error {
	return errors.Join(g.Reader.Close(), g.f.Close())
}

// Record is one record of a file with the line it starts on (from 1).
type Record struct {
	Value []byte
	Line  int
	// Err is set when the record could not be read (a line over the size
	// limit); Value is then empty.
	Err error
}

// ErrTooLong reports a line longer than the record size limit.
var ErrTooLong = errors.New("line exceeds the record size limit")

// maxDocument bounds a file read as one JSON document.
const maxDocument = 256 << 20

// Records reads the records of a file and calls fn for each: one per line
// for JSON lines and text logs, or the elements of a file that is one JSON
// document (an object, or an array of objects, possibly pretty-printed as
// `docker inspect` writes it). The Value passed to fn is reused after fn
// returns.
func Records(r io.Reader, maxRecord int, fn func(Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := peekFirstLine(br, maxRecord)
	if err != nil {
		return err
	}
	trimmed := bytes.TrimSpace(first)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && !gjson.ValidBytes(trimmed) {
		return document(br, maxRecord, fn)
	}
	return lines(br, maxRecord, fn)
}

// peekFirstLine returns the first non-blank line within the read buffer
// without consuming input (truncated when longer than the buffer).
func peekFirstLine(br *bufio.Reader, _ int) ([]byte, error) {
	b, err := br.Peek(br.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return b, nil
		}
		if len(bytes.TrimSpace(b[:i])) > 0 {
			return b[:i], nil
		}
		b = b[i+1:]
	}
	return b, nil
}

func lines(br *bufio.Reader, maxRecord int, fn func(Record) error) error {
	var buf []byte
	line := 0
	for {
		line++
		buf = buf[:0]
		tooLong := false
		for {
			chunk, err := br.ReadSlice('\n')
			if len(buf)+len(chunk) > maxRecord+1 {
				tooLong = true
			} else {
				buf = append(buf, chunk...)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			if errors.Is(err, io.EOF) && len(buf) == 0 && !tooLong {
				return nil
			}
			break
		}
		if tooLong {
			if err := fn(Record{Line: line, Err: ErrTooLong}); err != nil {
				return err
			}
			continue
		}
		v := bytes.TrimRight(buf, "\r\n")
		if len(bytes.TrimSpace(v)) == 0 {
			if buf[len(buf)-1] != '\n' {
				return nil
			}
			continue
		}
		if err := fn(Record{Value: v, Line: line}); err != nil {
			return err
		}
		if buf[len(buf)-1] != '\n' {
			return nil
		}
	}
}

// document reads a file whose first line is not a complete JSON value. When
// the whole file is one JSON value, its records are handed out (the elements
// of an array, or the object itself); otherwise it is read line by line
// after all, so that one malformed line costs only itself.
func document(br *bufio.Reader, maxRecord int, fn func(Record) error) error {
	data, err := io.ReadAll(io.LimitReader(br, maxDocument+1))
	if err != nil {
		return err
	}
	lineOf := func(off int) int { return 1 + bytes.Count(data[:off], []byte{'\n'}) }
	if len(data) > maxDocument {
		return lines(bufio.NewReaderSize(io.MultiReader(bytes.NewReader(data), br), 64<<10), maxRecord, fn)
	}
	if !gjson.ValidBytes(data) {
		// `crictl events -o json` and `jq .` print a stream of
		// pretty-printed values; anything else is read line by line.
		if values, ok := splitValues(data); ok {
			for _, v := range values {
				rec := Record{Value: data[v[0]:v[1]], Line: lineOf(v[0])}
				if v[1]-v[0] > maxRecord {
					rec = Record{Line: rec.Line, Err: ErrTooLong}
				}
				if err := fn(rec); err != nil {
					return err
				}
			}
			return nil
		}
		return lines(bufio.NewReaderSize(bytes.NewReader(data), 64<<10), maxRecord, fn)
	}
	start := firstNonSpace(data)
	if data[start] == '[' {
		var ferr error
		gjson.ParseBytes(data).ForEach(func(_, v gjson.Result) bool {
			rec := Record{Value: []byte(v.Raw), Line: lineOf(v.Index)}
			if len(rec.Value) > maxRecord {
				rec = Record{Line: rec.Line, Err: ErrTooLong}
			}
			ferr = fn(rec)
			return ferr == nil
		})
		return ferr
	}
	if len(data) > maxRecord {
		return fn(Record{Line: lineOf(start), Err: ErrTooLong})
	}
	return fn(Record{Value: data, Line: lineOf(start)})
}

// splitValues splits a stream of JSON values into their byte ranges. ok is
// false unless the whole input is two or more well-formed values.
func splitValues(data []byte) (ranges [][2]int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := int(dec.InputOffset())
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			if errors.Is(err, io.EOF) {
				return ranges, len(ranges) > 1
			}
			return nil, false
		}
		start += firstNonSpace(data[start:])
		ranges = append(ranges, [2]int{start, int(dec.InputOffset())})
	}
}

func firstNonSpace(b []byte) int {
	for i, c := range b {
		if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return i
		}
	}
	return len(b)
}
