package sinks

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/escapewatch/escapewatch/schemas"
)

// Sink takes alerts. Send blocks until the alert is handed over durably or
// ctx ends; Close flushes and releases the sink.
type Sink interface {
	Send(ctx context.Context, a *schemas.Alert) error
	Close() error
}

// Writer writes alerts as JSON lines to an io.Writer (standard output, a
// file).
type Writer struct {
	mu     sync.Mutex
	w      *bufio.Writer
	closer io.Closer
	format Format
	min    schemas.Severity
	// flushEach flushes after every alert, for streaming; scans flush at
	// the end.
	flushEach bool
}

var _ Sink = (*Writer)(nil)

// NewWriter returns a sink writing JSON lines to w. With flushEach every
// alert is flushed at once (streaming); otherwise only on Flush and Close.
func NewWriter(w io.Writer, format Format, min schemas.Severity, flushEach bool) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), format: format, min: min, flushEach: flushEach}
}

// NewFile returns a sink appending JSON lines to a file, created if needed.
func NewFile(path string, format Format, min schemas.Severity) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening alert file: %w", err)
	}
	w := NewWriter(f, format, min, true)
	w.closer = f
	return w, nil
}

// Send writes one alert; alerts below the minimum severity are skipped.
func (w *Writer) Send(_ context.Context, a *schemas.Alert) error {
	if a.Severity < w.min {
		return nil
	}
	b, err := w.format.Encode(a)
	if err != nil {
		return fmt.Errorf("encoding alert %s: %w", a.ID, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing alert: %w", err)
	}
	if w.flushEach {
		if err := w.w.Flush(); err != nil {
			return fmt.Errorf("writing alert: %w", err)
		}
		if f, ok := w.closer.(*os.File); ok {
			return f.Sync()
		}
	}
	return nil
}

// Flush writes buffered alerts out.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Flush()
}

// Close flushes and closes the underlying file, if the sink opened one.
func (w *Writer) Close() error {
	err := w.Flush()
	if w.closer != nil {
		if cerr := w.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
