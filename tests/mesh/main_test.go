package mesh

import (
	"os"
	"testing"

	istiolog "istio.io/istio/pkg/log"
)

// TestMain silences Istio's own logging: a line per refused object, per push and
// per Gateway API CRD the fake cluster lacks would bury the test's findings,
// which the tests report themselves.
func TestMain(m *testing.M) {
	for _, scope := range istiolog.Scopes() {
		scope.SetOutputLevel(istiolog.NoneLevel)
	}
	os.Exit(m.Run())
}
