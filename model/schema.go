package model

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// documentTypes are the types each key's document decodes into (Decode's
// decodeStrict calls); the schema of a key is generated from its type.
var documentTypes = map[string]reflect.Type{
	"production":    reflect.TypeFor[bool](),
	"cluster":       reflect.TypeFor[rawCluster](),
	"istio":         reflect.TypeFor[rawIstio](),
	"app":           reflect.TypeFor[rawApp](),
	"certManager":   reflect.TypeFor[rawCertManager](),
	"routing":       reflect.TypeFor[rawRouting](),
	"observability": reflect.TypeFor[rawObservability](),
	"scheduling":    reflect.TypeFor[rawScheduling](),
	"services":      reflect.TypeFor[[]rawService](),
}

// StackFileSchema is the JSON Schema (draft-07, which the YAML language server
// reads) of a Pulumi.<stack>.yaml: every cloudnative key with its type from
// the model's raw types, its enums, ranges and patterns from the model's own
// lists and limits (schemaRules), its default from Defaults, and its meaning
// from meanings (the docs' config reference, key → one line). Keys of other
// namespaces are left to their owners.
func StackFileSchema(meanings map[string]string) (map[string]any, error) {
	config := map[string]any{}
	known := []any{}
	for _, key := range ConfigKeys() {
		t, ok := documentTypes[key]
		if !ok {
			return nil, fmt.Errorf("model: no document type for config key %q", key)
		}
		g := schemaGenerator{meanings: meanings, defaults: map[string]string{}}
		for _, d := range Defaults() {
			g.defaults[d.Key] = d.Value
		}
		config[Namespace+":"+key] = g.of(t, key)
		known = append(known, Namespace+":"+key)
	}
	secret := map[string]any{"type": "object", "required": []any{"secure"}, "properties": map[string]any{"secure": map[string]any{"type": "string"}},
		"additionalProperties": false}
	config[Namespace+":"+KubeconfigKey] = withDescription(secret, "an existing cluster's kubeconfig, as a Pulumi secret (pulumi config set --secret cloudnative:kubeconfig)")
	config[Namespace+":"+PreviousReleaseKey] = map[string]any{"description": "written by platform promote: the release before the last promotion, for platform rollback"}
	config[Namespace+":"+RolloutKey] = map[string]any{"description": "written by platform rollout: the progressive rollout in progress"}
	known = append(known, Namespace+":"+KubeconfigKey, Namespace+":"+PreviousReleaseKey, Namespace+":"+RolloutKey)
	return map[string]any{
		"$schema":     "http://json-schema.org/draft-07/schema#",
		"title":       "Pulumi.<stack>.yaml of the cloudnative platform",
		"description": "Generated from the model by go run ./cmd/stackschema; each key's meaning is its line in docs/configuration.md.",
		"type":        "object",
		"properties": map[string]any{
			"config": map[string]any{
				"type":       "object",
				"properties": config,
				"required":   []any{Namespace + ":cluster", Namespace + ":services"},
				// A key of this program's namespace it does not read is a
				// mistake; other namespaces belong to other programs.
				"propertyNames": map[string]any{"anyOf": []any{
					map[string]any{"enum": known},
					map[string]any{"not": map[string]any{"pattern": "^" + Namespace + ":"}},
				}},
			},
			"encryptionsalt":  map[string]any{"type": "string"},
			"encryptedkey":    map[string]any{"type": "string"},
			"secretsprovider": map[string]any{"type": "string"},
			"environment":     map[string]any{},
		},
		"required":             []any{"config"},
		"additionalProperties": false,
	}, nil
}

type schemaGenerator struct {
	meanings map[string]string
	defaults map[string]string
	// paths, when set, collects every path the generator visits.
	paths map[string]bool
}

// of is the schema of a value of type t at path (the docs' form:
// services[].canary.weight).
func (g schemaGenerator) of(t reflect.Type, path string) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if g.paths != nil {
		g.paths[path] = true
	}
	var s map[string]any
	switch {
	case t == intOrStringType:
		s = map[string]any{"type": []any{"integer", "string"}}
	case t.Kind() == reflect.Struct:
		properties := map[string]any{}
		fields := jsonFields(t)
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			properties[name] = g.of(fields[name], path+"."+name)
		}
		s = map[string]any{"type": "object", "properties": properties, "additionalProperties": false}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": g.of(t.Elem(), path+".*")}
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": g.of(t.Elem(), path+"[]")}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Int:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	default:
		panic(fmt.Sprintf("model: no schema for %s at %s", t, path))
	}
	if rule, ok := schemaRules[path]; ok {
		rule(s)
	}
	if meaning, ok := g.meanings[path]; ok {
		withDescription(s, meaning)
	}
	if value, ok := g.defaults[path]; ok {
		if v, ok := defaultOfType(value, s["type"]); ok {
			s["default"] = v
		}
	}
	return s
}

func withDescription(s map[string]any, meaning string) map[string]any {
	s["description"] = meaning
	return s
}

// defaultOfType reads a documented default as a value of the schema's type;
// a default that is a description (<app.namespace>-gateway-tls) is not one.
func defaultOfType(value string, kind any) (any, bool) {
	switch kind {
	case "integer":
		n, err := strconv.Atoi(value)
		return n, err == nil
	case "number":
		f, err := strconv.ParseFloat(value, 64)
		return f, err == nil
	case "boolean":
		b, err := strconv.ParseBool(value)
		return b, err == nil
	case "array":
		var list []any
		return list, json.Unmarshal([]byte(value), &list) == nil
	case "string":
		return value, !strings.ContainsAny(value, "<>")
	}
	return nil, false
}

// schemaRules are the model's checks a schema can say, by path, each from
// the list, limit or pattern the check itself uses. What a schema cannot say
// (one field against another, files on disk, names made from names) stays
// with Decode, which `platform validate` runs offline.
var schemaRules = map[string]func(map[string]any){
	"cluster.kind":                       enum(clusterKinds()...),
	"cluster.minikube.profile":           pattern(dnsLabel.String()),
	"cluster.minikube.kubernetesVersion": pattern(kubernetesVersion.String()),
	"cluster.minikube.cpus":              minimum(MinMinikubeCPUs),
	"cluster.minikube.memoryMB":          minimum(MinMinikubeMemoryMB),
	"cluster.eks.logTypes[]":             enum(EKSLogTypes...),
	"cluster.eks.accessEntries[].policy": enum(EKSAccessPolicies...),
	"cluster.eks.accountId":              pattern(awsAccount.String()),
	"cluster.eks.region":                 pattern(awsRegion.String()),
	"cluster.gke.project":                pattern(gcpProject.String()),
	"cluster.aks.subscriptionId":         pattern(uuid.String()),
	"istio.version":                      pattern(chartVersion.String()),
	"istio.namespace":                    pattern(dnsLabel.String()),
	"istio.gateway.namespace":            pattern(dnsLabel.String()),
	"istio.gateway.serviceType":          enum(ServiceTypes...),
	"routing.api":                        enum(joinAPIsList()...),
	"routing": func(s map[string]any) {
		ifThen(s, has("crdDir"), valueOf("api", string(RoutingGatewayAPI)))
	},
	"app.namespace":                                   all(pattern(dnsLabel.String()), notOneOf(ClusterNamespaces...)),
	"app.mtls":                                        enum(MTLSModes...),
	"app.egress[].port":                               portRange,
	"app.egress[].protocol":                           enum(ExternalProtocols...),
	"app.tls.http":                                    enum(HTTPModes...),
	"app.tls.hstsMaxAgeSeconds":                       between(0, MaxHSTSMaxAgeSeconds),
	"certManager.namespace":                           pattern(dnsLabel.String()),
	"certManager.version":                             pattern(`^v` + strings.TrimPrefix(chartVersion.String(), "^")),
	"observability.version":                           pattern(minorVersion.String()),
	"observability.addons[]":                          enum(Addons...),
	"observability.size":                              enum(slices.Sorted(maps.Keys(AddonSizes))...),
	"observability.tracingSamplingPercent":            between(0, 100),
	"observability.rolloutWebhookUrl":                 anyPattern(`^https://[^/]`, `^http://(127\.0\.0\.1|localhost)(:[0-9]+)?(/|$)`),
	"services[].name":                                 all(pattern(dns1035Label.String()), maxLength(MaxServiceNameLength)),
	"services[].strategy":                             enum(string(Recreate), string(Ramped), string(BlueGreen), string(Canary)),
	"services[].port":                                 portRange,
	"services[].targetPort":                           portRange,
	"services[].serviceType":                          enum(ServiceTypes...),
	"services[].replicas":                             minimum(1),
	"services[].rolloutDeadlineSeconds":               minimum(MinRolloutDeadlineSeconds),
	"services[].image":                                pattern(imageRef.String()),
	"services[].blueGreen.blueImage":                  pattern(imageRef.String()),
	"services[].blueGreen.greenImage":                 pattern(imageRef.String()),
	"services[].blueGreen.active":                     enum(string(Blue), string(Green)),
	"services[].canary.stableImage":                   pattern(imageRef.String()),
	"services[].canary.canaryImage":                   pattern(imageRef.String()),
	"services[].canary.weight":                        between(0, 100),
	"services[].autoscaling.minReplicas":              minimum(1),
	"services[].autoscaling.cpuUtilization":           between(1, 100),
	"services[].routes.timeoutSeconds":                minimum(1),
	"services[].routes.retryAttempts":                 minimum(0),
	"services[].callers[].methods[]":                  enum(HTTPMethods...),
	"services[].progressive.steps[]":                  between(1, 99),
	"services[].progressive.approveBefore[]":          between(1, PromotionGate),
	"services[].progressive.mirrorPercent":            between(0, 100),
	"services[].progressive.group":                    all(pattern(dnsLabel.String()), maxLength(63)),
	"services[].progressive.analysis.intervalSeconds": minimum(MinAnalysisIntervalSeconds),
	"services[].progressive.analysis.maxP99Ms":        minimum(1),
	"services[].progressive.analysis.minRequests":     minimum(1),
	"scheduling.workloads.tolerations[].operator":     enum(tolerationOperators...),
	"scheduling.platform.tolerations[].operator":      enum(tolerationOperators...),
	"scheduling.workloads.tolerations[].effect":       enum(taintEffects...),
	"scheduling.platform.tolerations[].effect":        enum(taintEffects...),
	"scheduling.workloads.tolerations[]":              toleration,
	"scheduling.platform.tolerations[]":               toleration,
	"scheduling.workloads.nodeSelector":               keysMatch(labelKey),
	"scheduling.platform.nodeSelector":                keysMatch(labelKey),
	"app.egress[].host":                               all(pattern(qualifiedHost), notPattern(numericLabel.String())),
	"scheduling.workloads.nodeSelector.*":             pattern(labelValue.String()),
	"scheduling.platform.nodeSelector.*":              pattern(labelValue.String()),

	"cluster":                                              required("kind"),
	"cluster.gke":                                          required("project", "location"),
	"cluster.gke.location":                                 anyPattern(gcpRegion.String(), gcpZone.String()),
	"cluster.gke.kubernetesVersion":                        pattern(gkeVersion.String()),
	"cluster.gke.labels":                                   keysMatch(gcpLabelKey.String()),
	"cluster.gke.labels.*":                                 pattern(gcpLabelValue.String()),
	"cluster.eks":                                          required("region"),
	"cluster.eks.kubernetesVersion":                        pattern(minorVersion.String()),
	"cluster.eks.supportType":                              enum(EKSSupportTypes...),
	"cluster.eks.accessEntries[]":                          required("principalArn"),
	"cluster.eks.accessEntries[].principalArn":             pattern(iamPrincipal.String()),
	"cluster.aks":                                          required("location", "subscriptionId"),
	"cluster.aks.location":                                 pattern(azureLocation.String()),
	"cluster.aks.kubernetesVersion":                        pattern(aksVersion.String()),
	"cluster.aks.nodePool.zones[]":                         enum(AKSZones...),
	"app.hosts[]":                                          anyPattern(`^\*$`, qualifiedHost),
	"app.trustDomain":                                      pattern(dnsSubdomainLabel.String()),
	"app.tls":                                              tlsSource,
	"app.tls.issuer":                                       exactlyOne("selfSigned", "ca", "acme"),
	"app.tls.issuer.ca":                                    required("secretName"),
	"app.tls.issuer.acme":                                  required("email"),
	"app.tls.issuer.acme.server":                           pattern(`^https://`),
	"observability":                                        addonSource,
	"services[]":                                           all(required("name", "strategy"), strategySettings),
	"services[].canary":                                    required("stableImage", "canaryImage", "weight", "match"),
	"services[].canary.match":                              all(required("header"), exactlyOne("exact", "prefix", "regex")),
	"services[].canary.match.header":                       pattern(headerName.String()),
	"services[].ramped.maxSurge":                           countOrPercent,
	"services[].ramped.maxUnavailable":                     countOrPercent,
	"services[].resources.cpuRequest":                      pattern(quantity),
	"services[].resources.memoryRequest":                   pattern(quantity),
	"services[].resources.cpuLimit":                        pattern(quantity),
	"services[].resources.memoryLimit":                     pattern(quantity),
	"services[].resources.ephemeralStorageRequest":         pattern(quantity),
	"services[].resources.ephemeralStorageLimit":           pattern(quantity),
	"services[].progressive.steps":                         minItems(1),
	"services[].progressive.analysis.minSuccessRate":       func(s map[string]any) { s["exclusiveMinimum"], s["maximum"] = 0, 100 },
	"services[].progressive.analysis.failureLimit":         minimum(0),
	"services[].progressive.analysis.maxErrorRateIncrease": between(0, 100),
	"services[].progressive.analysis.maxP99Ratio":          minimum(1),
	"services[].sessionAffinity":                           affinity,
	"services[].sessionAffinity.cookie":                    pattern(httpToken.String()),
	"services[].callers[]":                                 caller,
	"services[].callers[].paths[]":                         pattern(pathPrefix.String()),
	"services[].identity":                                  maxProperties(1),
	"services[].identity.gcpServiceAccount":                pattern(gcpServiceAccount.String()),
	"services[].identity.awsRoleArn":                       pattern(awsRoleARN.String()),
	"services[].identity.azureClientId":                    pattern(uuidForm.String()),
}

// qualifiedHost is a fully qualified name (at least one dot), or a wildcard of one.
const qualifiedHost = `^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$`

// labelKey is a Kubernetes label key: an optional DNS-subdomain prefix and a name.
var labelKey = `^(` + strings.Trim(dnsSubdomainLabel.String(), "^$") + `/)?` + strings.TrimPrefix(labelName.String(), "^")

// quantity is the shape of a Kubernetes quantity (resource.ParseQuantity
// decides; this is what a schema can say of it).
const quantity = `^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`

func required(keys ...string) func(map[string]any) {
	return func(s map[string]any) { s["required"] = toAny(keys) }
}

func toAny(values []string) []any {
	list := make([]any, len(values))
	for i, v := range values {
		list[i] = v
	}
	return list
}

func minItems(n int) func(map[string]any) {
	return func(s map[string]any) { s["minItems"] = n }
}

func maxProperties(n int) func(map[string]any) {
	return func(s map[string]any) { s["maxProperties"] = n }
}

func anyPattern(res ...string) func(map[string]any) {
	return func(s map[string]any) {
		var alternatives []any
		for _, re := range res {
			alternatives = append(alternatives, map[string]any{"pattern": re})
		}
		s["anyOf"] = alternatives
	}
}

func notPattern(re string) func(map[string]any) {
	return func(s map[string]any) { s["not"] = map[string]any{"pattern": re} }
}

func keysMatch(re string) func(map[string]any) {
	return func(s map[string]any) { s["propertyNames"] = map[string]any{"pattern": re} }
}

func notOneOf(values ...string) func(map[string]any) {
	return func(s map[string]any) { s["not"] = map[string]any{"enum": toAny(values)} }
}

// exactlyOne: one of the keys is set, and only one.
func exactlyOne(keys ...string) func(map[string]any) {
	return func(s map[string]any) {
		var each []any
		for _, k := range keys {
			each = append(each, map[string]any{"required": []any{k}})
		}
		s["oneOf"] = each
	}
}

// ifThen adds one if/then to the schema (several go under allOf).
func ifThen(s map[string]any, condition, then map[string]any) {
	all, _ := s["allOf"].([]any)
	s["allOf"] = append(all, map[string]any{"if": condition, "then": then})
}

func has(keys ...string) map[string]any { return map[string]any{"required": toAny(keys)} }

func hasNone(keys ...string) map[string]any {
	var each []any
	for _, k := range keys {
		each = append(each, has(k))
	}
	return map[string]any{"not": map[string]any{"anyOf": each}}
}

func valueOf(key string, values ...string) map[string]any {
	return map[string]any{"required": []any{key}, "properties": map[string]any{key: map[string]any{"enum": toAny(values)}}}
}

// strategySettings: each strategy's block is required, and no other's is set.
func strategySettings(s map[string]any) {
	ifThen(s, valueOf("strategy", string(Recreate), string(Ramped)), map[string]any{"allOf": []any{has("image"), hasNone("canary", "blueGreen", "progressive")}})
	ifThen(s, valueOf("strategy", string(Recreate)), hasNone("ramped"))
	ifThen(s, valueOf("strategy", string(Canary)), map[string]any{"allOf": []any{has("canary"), hasNone("image", "blueGreen", "ramped")}})
	ifThen(s, valueOf("strategy", string(BlueGreen)), map[string]any{"allOf": []any{has("blueGreen"), hasNone("image", "canary", "ramped"),
		map[string]any{"properties": map[string]any{"progressive": hasNone("steps", "mirrorPercent", "approveBefore")}}}})
	// An autoscaler owns the replica count.
	ifThen(s, has("autoscaling"), hasNone("replicas"))
}

// countOrPercent: a non-negative count, or a percentage.
func countOrPercent(s map[string]any) {
	delete(s, "type")
	s["anyOf"] = []any{map[string]any{"type": "integer", "minimum": 0}, map[string]any{"type": "string", "pattern": `^([0-9]+|[0-9]+%)$`}}
}

// tlsSource: a certificate comes from one source; files come in pairs.
func tlsSource(s map[string]any) {
	s["anyOf"] = []any{has("issuer"), has("certificateFile"), has("secretName")}
	ifThen(s, has("issuer"), hasNone("certificateFile", "keyFile"))
	s["dependencies"] = map[string]any{"certificateFile": []any{"keyFile"}, "keyFile": []any{"certificateFile"}}
}

// addonSource: add-ons turned on need manifests to install.
func addonSource(s map[string]any) {
	ifThen(s, map[string]any{"required": []any{"enabled"}, "properties": map[string]any{"enabled": map[string]any{"const": true}}},
		map[string]any{"anyOf": []any{has("manifestDir"), has("version")}})
}

// affinity hashes on a cookie or on a header, not both; a lifetime is a cookie's.
func affinity(s map[string]any) {
	s["oneOf"] = []any{has("cookie"), map[string]any{"allOf": []any{has("header"), hasNone("cookieTTLSeconds")}}}
}

// caller: a service of the stack, or a namespace and service account elsewhere.
func caller(s map[string]any) {
	s["oneOf"] = []any{map[string]any{"allOf": []any{has("service"), hasNone("namespace", "serviceAccount")}},
		map[string]any{"allOf": []any{has("namespace", "serviceAccount"), hasNone("service")}}}
}

// toleration: as Kubernetes takes it.
func toleration(s map[string]any) {
	ifThen(s, valueOf("operator", "Exists"), hasNone("value"))
	ifThen(s, map[string]any{"not": valueOf("operator", "Exists")}, has("key"))
	ifThen(s, has("tolerationSeconds"), valueOf("effect", "NoExecute"))
}

func enum(values ...string) func(map[string]any) {
	return func(s map[string]any) {
		list := make([]any, len(values))
		for i, v := range values {
			list[i] = v
		}
		s["enum"] = list
	}
}

func pattern(re string) func(map[string]any) {
	return func(s map[string]any) { s["pattern"] = re }
}

func minimum(n int) func(map[string]any) {
	return func(s map[string]any) { s["minimum"] = n }
}

func maxLength(n int) func(map[string]any) {
	return func(s map[string]any) { s["maxLength"] = n }
}

func between(lowest, highest int) func(map[string]any) {
	return func(s map[string]any) { s["minimum"], s["maximum"] = lowest, highest }
}

func all(rules ...func(map[string]any)) func(map[string]any) {
	return func(s map[string]any) {
		for _, r := range rules {
			r(s)
		}
	}
}

// portRange is a port the model takes: 1–65535, none of Istio's own.
func portRange(s map[string]any) {
	between(1, 65535)(s)
	var reserved []any
	for _, port := range slices.Sorted(maps.Keys(IstioReservedPorts)) {
		reserved = append(reserved, port)
	}
	s["not"] = map[string]any{"enum": reserved}
}
