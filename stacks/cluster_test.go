package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
)

func TestCloudTargets_EveryCloudIsCompiledInByDefault(t *testing.T) {
	for _, kind := range []model.ClusterKind{model.ClusterGKE, model.ClusterEKS, model.ClusterAKS} {
		target, err := lookupCloudTarget(cloudTargets, kind)
		require.NoError(t, err, kind)
		assert.NotNil(t, target)
	}
}

func TestCloudTargets_ALeftOutCloudSaysHowToGetItBack(t *testing.T) {
	_, err := lookupCloudTarget(map[model.ClusterKind]cloudTarget{}, model.ClusterEKS)
	assert.EqualError(t, err, `cloudnative:cluster.kind: "eks" is not compiled into this program (it was built with -tags noeks); rebuild without that tag`)
}
