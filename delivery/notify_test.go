package delivery

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// receiver is a Slack-compatible webhook on loopback that records messages,
// answering with status (200 by default) after delay.
type receiver struct {
	mu       sync.Mutex
	messages []string
	calls    int
	status   int
	delay    time.Duration
	server   *httptest.Server
}

func newReceiver(t *testing.T, status int, delay time.Duration) *receiver {
	r := &receiver{status: status, delay: delay}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct{ Text string }
		_ = json.NewDecoder(req.Body).Decode(&body)
		r.mu.Lock()
		r.calls++
		r.messages = append(r.messages, body.Text)
		r.mu.Unlock()
		time.Sleep(r.delay)
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.server.Close)
	return r
}

func quickWebhook(url string, out *strings.Builder) *Webhook {
	return &Webhook{URL: url + "/services/T000/B000/secret-part", Client: &http.Client{Timeout: 200 * time.Millisecond}, Attempts: 3, Pause: 10 * time.Millisecond, Out: out}
}

func TestWebhook_FailuresAreRetriedBoundedAndReported(t *testing.T) {
	var out strings.Builder
	failing := newReceiver(t, http.StatusInternalServerError, 0)
	quickWebhook(failing.server.URL, &out).Send(context.Background(), "hello")
	assert.Equal(t, 3, failing.calls, "tried a bounded number of times")
	assert.Contains(t, out.String(), "notification not delivered after 3 attempt(s): answered 500 Internal Server Error")
	assert.NotContains(t, out.String(), "secret-part", "the URL, a secret, is not printed")

	out.Reset()
	slow := newReceiver(t, http.StatusOK, time.Second)
	start := time.Now()
	quickWebhook(slow.server.URL, &out).Send(context.Background(), "hello")
	assert.Less(t, time.Since(start), 2*time.Second, "each attempt bounded by the client's timeout")
	assert.Contains(t, out.String(), "not delivered")
	assert.NotContains(t, out.String(), "secret-part")
}

// Every event of a rollout reaches the webhook as a Slack-compatible
// message naming the stack, the service, the step and the measurements; a
// webhook that fails changes nothing of the rollout.
func TestRollout_SendsItsNews(t *testing.T) {
	var out strings.Builder
	hook := newReceiver(t, http.StatusOK, 0)
	c := newFakeCluster(t, good, good, good)
	r := c.rollout(false)
	r.Notify = quickWebhook(hook.server.URL, &out).Send
	require.NoError(t, r.Run(context.Background()))
	require.Len(t, hook.messages, 5, "start, three intervals, the promotion: %q", hook.messages)
	assert.Contains(t, hook.messages[0], "dev: rolling out java-service (repo/java:2) in steps 10% → 25% → 50%")
	assert.Equal(t, "dev: java-service 10% → 25%: success 99.8%, p99 120 ms, 1,532 requests (step took 1m0s)", hook.messages[1])
	assert.Contains(t, hook.messages[4], "dev: java-service promoted")

	failing := newReceiver(t, http.StatusServiceUnavailable, 0)
	c = newFakeCluster(t, good, errors5, errors5)
	r = c.rollout(false)
	r.Notify = quickWebhook(failing.server.URL, &out).Send
	err := r.Run(context.Background())
	require.ErrorIs(t, err, ErrRolledBack, "the same outcome as without notifications")
	assert.Equal(t, []int{10, 25, 0}, c.applied)
	assert.Contains(t, failing.messages[len(failing.messages)-1], "rolled back", "the rollback was told too")
}

func TestQueue_ARolloutNeverWaitsForItsReceiver(t *testing.T) {
	slow := newReceiver(t, http.StatusOK, 300*time.Millisecond)
	var out strings.Builder
	q := (&Webhook{URL: slow.server.URL, Client: &http.Client{Timeout: time.Second}, Attempts: 1, Out: &out}).Start()
	start := time.Now()
	for _, text := range []string{"start", "10%", "promoted"} {
		q.Send(context.Background(), text)
	}
	assert.Less(t, time.Since(start), 50*time.Millisecond, "queued, not sent in line")
	q.Close(5 * time.Second)
	assert.Equal(t, []string{"start", "10%", "promoted"}, slow.messages, "every message, in order, by the end")

	stuck := newReceiver(t, http.StatusOK, 2*time.Second)
	q = (&Webhook{URL: stuck.server.URL, Client: &http.Client{Timeout: 5 * time.Second}, Attempts: 1, Out: &out}).Start()
	q.Send(context.Background(), "a")
	q.Send(context.Background(), "b")
	start = time.Now()
	q.Close(500 * time.Millisecond)
	assert.Less(t, time.Since(start), 1500*time.Millisecond, "the end waits its bound, not the receiver")
	assert.Contains(t, out.String(), "gave up on the last 2 message(s)")
}
