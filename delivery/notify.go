package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Webhook posts a rollout's news to a Slack-compatible incoming webhook
// ({"text": …}). A message that fails is retried a bounded number of times,
// each attempt bounded in time, then reported and dropped: a notification
// never stops, slows beyond its bound, or changes the outcome of a rollout.
type Webhook struct {
	URL      string
	Client   *http.Client
	Attempts int
	// Pause is the wait between attempts.
	Pause time.Duration
	// Out is where a dropped message is reported.
	Out io.Writer
}

// Webhook defaults: at most 3 attempts of 5 s each, 1 s apart (17 s in all);
// at the end of a rollout, at most webhookFlush more for the messages still
// queued; at most webhookQueue messages wait at once.
const (
	webhookAttempts = 3
	webhookTimeout  = 5 * time.Second
	webhookPause    = time.Second
	webhookFlush    = 5 * time.Second
	webhookQueue    = 256
)

// Queue sends a webhook's messages in order from a goroutine of its own, so
// that a slow or unreachable receiver never holds up the rollout.
type Queue struct {
	hook    *Webhook
	pending chan string
	done    chan struct{}
	cancel  context.CancelFunc
}

// Start begins sending; Close ends it.
func (w *Webhook) Start() *Queue {
	ctx, cancel := context.WithCancel(context.Background())
	q := &Queue{hook: w, pending: make(chan string, webhookQueue), done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(q.done)
		for text := range q.pending {
			w.Send(ctx, text)
		}
	}()
	return q
}

// Send queues text without waiting; a full queue drops it, with a report.
func (q *Queue) Send(_ context.Context, text string) {
	select {
	case q.pending <- text:
	default:
		fmt.Fprintf(q.hook.Out, "notification dropped: %d messages already wait\n", cap(q.pending))
	}
}

// Close waits at most flush for the queued messages, then gives up on the
// rest and says how many were not sent.
func (q *Queue) Close(flush time.Duration) {
	close(q.pending)
	select {
	case <-q.done:
		q.cancel()
		return
	case <-time.After(flush):
	}
	left := len(q.pending)
	q.cancel()
	<-q.done
	fmt.Fprintf(q.hook.Out, "notifications: gave up on the last %d message(s) after waiting %s\n", left+1, flush)
}

// NewWebhook is a webhook with the defaults; nil when url is empty.
func NewWebhook(url string, out io.Writer) *Webhook {
	if url == "" {
		return nil
	}
	return &Webhook{URL: url, Client: &http.Client{Timeout: webhookTimeout}, Attempts: webhookAttempts, Pause: webhookPause, Out: out}
}

// Send posts text; it reports a failure and returns nothing.
func (w *Webhook) Send(ctx context.Context, text string) {
	if w == nil {
		return
	}
	body, _ := json.Marshal(map[string]string{"text": text})
	var last error
	for attempt := 1; attempt <= w.Attempts; attempt++ {
		if last = w.post(ctx, body); last == nil {
			return
		}
		if attempt < w.Attempts {
			select {
			case <-ctx.Done():
				attempt = w.Attempts
			case <-time.After(w.Pause):
			}
		}
	}
	// The URL may be a secret: the report names the failure, not the URL.
	fmt.Fprintf(w.Out, "notification not delivered after %d attempt(s): %v\n", w.Attempts, last)
}

func (w *Webhook) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bad webhook request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.Client.Do(req)
	if err != nil {
		// Not the URL itself: its path is the secret of most webhooks.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			return urlErr.Err
		}
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}
