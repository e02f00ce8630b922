package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/components/images"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/release"
)

// buildImages builds, on a minikube cluster that asks for it, the sample
// services' images the release names; the Deployments wait for them.
func buildImages(ctx *pulumi.Context, platform *model.Platform, target cluster.Cluster) ([]pulumi.Resource, error) {
	m := platform.Cluster.Minikube
	if m == nil || !m.BuildImages {
		return nil, nil
	}
	var refs []string
	rel := release.FromModel(platform)
	for _, name := range rel.Names() {
		refs = append(refs, rel[name].Images()...)
	}
	built, err := images.NewMinikube(ctx, "images", &images.MinikubeArgs{Profile: m.Profile, AppsDir: m.AppsDir, Images: refs, Cluster: target})
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{built}, nil
}
