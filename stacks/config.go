package stacks

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/cloudnative-pac/platform/model"
)

// LoadModel reads the stack's config into the validated model. It is the only
// place that reads config.
func LoadModel(ctx *pulumi.Context, projectDir string) (*model.Platform, pulumi.StringOutput, error) {
	cfg := config.New(ctx, model.Namespace)
	raw := model.Raw{Stack: ctx.Stack(), Keys: configuredKeys(ctx.Stack(), projectDir)}
	for _, key := range model.ConfigKeys() {
		raw.Set(key, rawValue(cfg, key))
	}
	var kubeconfigSecret pulumi.StringOutput
	if _, isSet := ctx.GetConfig(model.Namespace + ":" + model.KubeconfigKey); isSet {
		raw.HasKubeconfigSecret = true
		kubeconfigSecret = cfg.RequireSecret(model.KubeconfigKey)
	}
	platform, err := model.Decode(raw, projectDir)
	return platform, kubeconfigSecret, err
}

// rawValue returns a key's value as JSON: objects and lists are stored as JSON
// already; a plain scalar is quoted unless it is itself valid JSON.
func rawValue(cfg *config.Config, key string) json.RawMessage {
	return configValue(cfg.Get(key))
}

// configValue reads one config value's text as the model's JSON document.
func configValue(value string) json.RawMessage {
	if value == "" {
		return nil
	}
	if json.Valid([]byte(value)) {
		return json.RawMessage(value)
	}
	quoted, _ := json.Marshal(value)
	return quoted
}
