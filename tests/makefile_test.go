package tests

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What make passes on to platform for the delivery targets (make -n prints
// the commands without running them).
func TestMakefile_DeliveryTargetsPassTheirOptions(t *testing.T) {
	cases := map[string][]string{
		"-stack staging -then apply":        {"rollback", "STACK=staging", "THEN=apply"},
		"-from dev -to staging -then apply": {"promote", "FROM=dev", "TO=staging", "THEN=apply"},
	}
	for want, args := range cases {
		cmd := exec.Command("make", append([]string{"-n", "-s"}, args...)...)
		cmd.Dir = repoRoot(t)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), want, "make %v", args)
	}
}
