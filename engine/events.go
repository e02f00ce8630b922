package engine

import "time"

// streamDrainTimeout bounds the wait for an event stream's reader once the
// operation has returned. The Automation API closes the stream only when the
// CLI's event log ends; a CLI that fails before opening it (a locked stack)
// never does, and a plain wait for the reader would hang that run forever.
const streamDrainTimeout = 5 * time.Second

// awaitStream waits for the reader of an operation's event stream to finish,
// for at most streamDrainTimeout after the operation returned.
func awaitStream(done <-chan struct{}) {
	select {
	case <-done:
	case <-time.After(streamDrainTimeout):
	}
}
