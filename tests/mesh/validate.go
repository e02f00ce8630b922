package mesh

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/webhooks/validation/server"
)

// admission is Istio's validating admission webhook — the handler istiod serves
// to the API server — called in process, with no network: each object goes in
// as the API server would send it, in an AdmissionReview.
type admission struct {
	mux *http.ServeMux
}

func newAdmission() (*admission, error) {
	mux := http.NewServeMux()
	if _, err := server.New(server.Options{Schemas: collections.PilotGatewayAPI(), DomainSuffix: "cluster.local", Mux: mux}); err != nil {
		return nil, err
	}
	return &admission{mux: mux}, nil
}

// review returns Istio's refusal of the object (nil when admitted) and its warnings.
func (a *admission) review(obj map[string]any) (refusal error, warnings []string, err error) {
	apiVersion, _ := obj["apiVersion"].(string)
	group, version, _ := strings.Cut(apiVersion, "/")
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(map[string]any{
		"apiVersion": "admission.k8s.io/v1",
		"kind":       "AdmissionReview",
		"request": map[string]any{
			"uid":       "mesh-test",
			"kind":      map[string]any{"group": group, "version": version, "kind": kindOf(obj)},
			"resource":  map[string]any{"group": group, "version": version, "resource": strings.ToLower(kindOf(obj)) + "s"},
			"name":      metaOf(obj, "name"),
			"namespace": metaOf(obj, "namespace"),
			"operation": "CREATE",
			"object":    json.RawMessage(raw),
		},
	})
	if err != nil {
		return nil, nil, err
	}
	req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, nil, fmt.Errorf("webhook answered %d: %s", rec.Code, rec.Body.String())
	}
	var answer struct {
		Response struct {
			Allowed  bool     `json:"allowed"`
			Warnings []string `json:"warnings"`
			Status   struct {
				Message string `json:"message"`
			} `json:"status"`
		} `json:"response"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		return nil, nil, fmt.Errorf("webhook answer: %w: %s", err, rec.Body.String())
	}
	if !answer.Response.Allowed {
		return fmt.Errorf("%s", answer.Response.Status.Message), answer.Response.Warnings, nil
	}
	return nil, answer.Response.Warnings, nil
}
