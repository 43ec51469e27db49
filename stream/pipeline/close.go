package pipeline

import (
	"io"
	"sync"
	"time"
)

// closeWithin closes every closer concurrently and returns after all are
// closed or the timeout passes, whichever is first: kafka-go's Reader.Close
// can hang on a broker that went away, and shutdown must stay bounded.
func closeWithin(timeout time.Duration, closers ...io.Closer) {
	var wg sync.WaitGroup
	for _, c := range closers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.Close()
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}
