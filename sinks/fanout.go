package sinks

import (
	"context"
	"errors"
	"fmt"

	"github.com/escapewatch/escapewatch/schemas"
)

// Named is a sink with the name its errors are reported under.
type Named struct {
	Name string
	Sink Sink
}

// Fanout sends every alert to all its sinks. Send fails when any sink
// fails, so the caller retries (and does not commit); sinks that already
// took the alert get it again, with the same id.
type Fanout struct {
	sinks   []Named
	onError func(sink string)
}

var _ Sink = (*Fanout)(nil)

// NewFanout returns a fanout; onError (may be nil) is called with the name
// of a sink whenever it fails.
func NewFanout(onError func(sink string), sinks ...Named) *Fanout {
	return &Fanout{sinks: sinks, onError: onError}
}

// Send delivers to every sink.
func (f *Fanout) Send(ctx context.Context, a *schemas.Alert) error {
	var errs []error
	for _, s := range f.sinks {
		if err := s.Sink.Send(ctx, a); err != nil {
			if f.onError != nil {
				f.onError(s.Name)
			}
			errs = append(errs, fmt.Errorf("%s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Close closes every sink.
func (f *Fanout) Close() error {
	var errs []error
	for _, s := range f.sinks {
		errs = append(errs, s.Sink.Close())
	}
	return errors.Join(errs...)
}
