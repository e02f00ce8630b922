package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPassphraseFor_StackOwnWinsOverShared(t *testing.T) {
	env := map[string]string{"PULUMI_CONFIG_PASSPHRASE_PROD": "prod-only"}
	getenv := func(k string) string { return env[k] }

	got, err := passphraseFor(Options{Stack: "prod", Passphrase: "shared"}, getenv)
	require.NoError(t, err)
	assert.Equal(t, "prod-only", got)

	// Another stack never sees prod's passphrase.
	got, err = passphraseFor(Options{Stack: "staging", Passphrase: "shared"}, getenv)
	require.NoError(t, err)
	assert.Equal(t, "shared", got)

	_, err = passphraseFor(Options{Stack: "pr-12.x"}, getenv)
	require.ErrorContains(t, err, "PULUMI_CONFIG_PASSPHRASE_PR_12_X")
}
