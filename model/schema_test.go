package model

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The stack-file schema against the model: every bad input of the model's
// tests (each goes through decodeRefused) that a schema can express is
// refused by the schema too, checked by a real JSON Schema validator; the
// rest are listed in beyondSchema with the reason no schema can say it.

var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	schema, err := StackFileSchema(nil)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(schema)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	if err := c.AddResource("stack.schema.json", bytes.NewReader(data)); err != nil {
		return nil, err
	}
	return c.Compile("stack.schema.json")
})

// stackDocument is the stack file a Raw stands for, as a validator reads it.
func stackDocument(t *testing.T, raw Raw) any {
	t.Helper()
	config := map[string]any{}
	for _, key := range ConfigKeys() {
		document := raw.Get(key)
		if len(document) == 0 {
			continue
		}
		var value any
		require.NoError(t, json.Unmarshal(document, &value))
		config[Namespace+":"+key] = value
	}
	for _, key := range raw.Keys {
		if _, set := config[Namespace+":"+key]; !set {
			config[Namespace+":"+key] = "set"
		}
	}
	return map[string]any{"config": config}
}

// schemaRefuses validates a Raw's stack file; nil when the schema accepts it.
func schemaRefuses(t *testing.T, raw Raw) error {
	t.Helper()
	schema, err := compiledSchema()
	require.NoError(t, err)
	return schema.Validate(stackDocument(t, raw))
}

var (
	seenMu sync.Mutex
	seen   = map[string]bool{}
)

// decodeRefused decodes a bad input, requires the model to refuse it (and
// create nothing), and holds the schema to the same verdict unless the case
// is beyond a schema.
func decodeRefused(t *testing.T, raw Raw, projectDir string) error {
	t.Helper()
	p, err := Decode(raw, projectDir)
	require.Error(t, err)
	assert.Nil(t, p, "nothing is created from a bad config")
	seenMu.Lock()
	seen[t.Name()] = true
	seenMu.Unlock()
	schemaErr := schemaRefuses(t, raw)
	if reason, beyond := beyondSchema[t.Name()]; beyond {
		assert.NoError(t, schemaErr, "listed as beyond a schema (%s), but the schema refuses it: take it off the list", reason)
	} else {
		assert.Error(t, schemaErr, "the model refuses this, and a schema can say so: the schema must refuse it too (or list it in beyondSchema with the reason)\nmodel: %v", err)
	}
	return err
}

// The reasons a schema cannot refuse what the model does.
const (
	crossField = "one setting against another"
	onDisk     = "a file or directory on the machine"
	semantic   = "what a value means (an address range, a regular expression, a duration), not its shape"
	acrossList = "one list element against the others"
)

var beyondSchema = map[string]string{
	"TestDecode_RoutingRefusesWhatItCannotWrite/missing_crd_files":                         onDisk,
	"TestDecode_RoutingRefusesWhatItCannotWrite/session_affinity":                          crossField,
	"TestDecode_RoutingRefusesWhatItCannotWrite/retries":                                   crossField,
	"TestDecode_RoutingRefusesWhatItCannotWrite/retry_conditions":                          crossField,
	"TestProgressive_BadConfigIsNamed/a_gate_on_no_step":                                   crossField,
	"TestDecode_RejectsBadCloudConfig/aks_local_accounts_off_without_entra":                crossField,
	"TestDecode_RejectsBadCloudConfig/aks_min_above_max":                                   crossField,
	"TestDecode_RejectsBadCloudConfig/aks_overlapping_ranges":                              crossField,
	"TestDecode_RejectsBadCloudConfig/eks_desired_outside_bounds":                          crossField,
	"TestDecode_RejectsBadCloudConfig/eks_min_above_max":                                   crossField,
	"TestDecode_RejectsBadCloudConfig/eks_namespaced_cluster_admin":                        crossField,
	"TestDecode_RejectsBadCloudConfig/eks_no_endpoint":                                     crossField,
	"TestDecode_RejectsBadCloudConfig/eks_one_zone":                                        semantic,
	"TestDecode_RejectsBadCloudConfig/eks_principal_twice":                                 acrossList,
	"TestDecode_RejectsBadCloudConfig/eks_vpc_too_small":                                   semantic,
	"TestDecode_RejectsBadCloudConfig/eks_zone_of_another_region":                          crossField,
	"TestDecode_RejectsBadCloudConfig/eks_zones_and_a_different_count":                     crossField,
	"TestDecode_RejectsBadCloudConfig/gke_master_range_size":                               semantic,
	"TestDecode_RejectsBadCloudConfig/gke_min_above_max":                                   crossField,
	"TestDecode_RejectsBadCloudConfig/gke_overlapping_ranges":                              crossField,
	"TestDecode_RejectsBadInput/Istio_and_its_gateway_in_one_namespace_the_stack_installs": crossField,
	"TestDecode_RejectsBadInput/autoscaler_bounds":                                         crossField,
	"TestDecode_RejectsBadInput/catch-all_host_on_a_shared_Istio":                          crossField,
	"TestDecode_RejectsBadInput/cpu_request_above_the_default_limit":                       crossField,
	"TestDecode_RejectsBadInput/duplicate_path_prefix":                                     acrossList,
	"TestDecode_RejectsBadInput/duplicate_service_names":                                   acrossList,
	"TestDecode_RejectsBadInput/header_regex_not_RE2":                                      semantic,
	"TestDecode_RejectsBadInput/header_regex_with_a_backreference":                         semantic,
	"TestDecode_RejectsBadInput/host_inside_a_wildcard":                                    acrossList,
	"TestDecode_RejectsBadInput/istio's_namespace_as_the_app's":                            crossField,
	"TestDecode_RejectsBadInput/memory_request_above_its_limit":                            crossField,
	"TestDecode_RejectsBadInput/minikube_building_images_without_apps/":                    onDisk,
	"TestDecode_RejectsBadInput/missing_kubeconfig":                                        onDisk,
	"TestDecode_RejectsBadInput/missing_local_charts":                                      onDisk,
	"TestDecode_RejectsBadInput/missing_properties_file":                                   onDisk,
	"TestDecode_RejectsBadInput/no_kubeconfig_at_all":                                      onDisk,
	"TestDecode_RejectsBadInput/per-try_timeout_above_the_timeout":                         crossField,
	"TestDecode_RejectsBadInput/surge_and_unavailable_both_zero":                           semantic,
	"TestDecode_RejectsBadInput/the_gateway's_namespace_as_the_app's":                      crossField,
	"TestDecode_RejectsBadInput/zero_memory_limit":                                         semantic,
	"TestProgressive_BadConfigIsNamed/deadline_shorter_than_the_steps":                     crossField,
	"TestProgressive_BadConfigIsNamed/steps_going_down":                                    crossField,
	"TestTLS_BadConfigIsNamed/ACME_HTTP-01_with_a_wildcard_host":                           crossField,
	"TestTLS_BadConfigIsNamed/a_certificate_that_does_not_cover_a_host":                    onDisk,
	"TestTLS_BadConfigIsNamed/a_production_stack_on_plain_HTTP":                            crossField,
	"TestTLS_BadConfigIsNamed/a_wildcard_host_under_a_certificate_of_one_name":             onDisk,
	"TestTLS_BadConfigIsNamed/an_expired_certificate":                                      onDisk,
	"TestTLS_BadConfigIsNamed/cert-manager_in_the_application's_namespace":                 crossField,
	"TestTLS_BadConfigIsNamed/cert-manager_settings_without_an_issuer":                     crossField,
	"TestTLS_BadConfigIsNamed/the_catch-all_host_with_a_certificate":                       crossField,
	"TestZeroTrust_BadConfigIsNamed/a_caller_that_is_not_a_service_of_the_stack":           acrossList,
	"TestZeroTrust_BadConfigIsNamed/a_path_prefix_on_a_service_kept_off_the_gateway":       crossField,
	"TestZeroTrust_BadConfigIsNamed/a_wildcard_host_over_plain_TCP":                        crossField,
	"TestZeroTrust_BadConfigIsNamed/an_external_host_twice":                                acrossList,
	"TestZeroTrust_BadConfigIsNamed/an_identity_of_another_cloud":                          crossField,
	"TestZeroTrust_BadConfigIsNamed/callers_without_STRICT_mTLS":                           crossField,
}

func TestMain(m *testing.M) {
	code := m.Run()
	// Every listed case must still exist (a stale entry hides nothing, but lies).
	if run := flag.Lookup("test.run"); code == 0 && run != nil && run.Value.String() == "" {
		var stale []string
		for name := range beyondSchema {
			if !seen[name] {
				stale = append(stale, name)
			}
		}
		if len(stale) > 0 {
			slices.Sort(stale)
			fmt.Fprintf(os.Stderr, "beyondSchema lists cases no test ran:\n  %s\n", strings.Join(stale, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

func TestSchema_AcceptsTheValidFixture(t *testing.T) {
	assert.NoError(t, schemaRefuses(t, validFixture().raw(t)))
}

func TestSchema_EveryRuleIsAtAKeyOfTheStackFile(t *testing.T) {
	paths := map[string]bool{}
	for key, typ := range documentTypes {
		schemaGenerator{paths: paths}.of(typ, key)
	}
	for path := range schemaRules {
		assert.True(t, paths[path], "schemaRules has %q, which is no key of the stack file: it would check nothing", path)
	}
}
