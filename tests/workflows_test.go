package tests

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/internal/images"
	"github.com/cloudnative-pac/platform/release"
)

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

func TestWorkflows_PassActionlint(t *testing.T) {
	var out bytes.Buffer
	linter, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{})
	require.NoError(t, err)
	errs, err := linter.LintFiles(workflowFiles(t), nil)
	require.NoError(t, err)
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", filepath.Base(e.Filepath), e.Line, e.Column, e.Message, e.Kind)
	}
}

// TestWorkflows_NameOnlyCommittedStacks checks every stack a workflow names:
// stack-name inputs, matrix entries and the promotion choices.
func TestWorkflows_NameOnlyCommittedStacks(t *testing.T) {
	committed := map[string]bool{}
	for _, s := range committedStacks(t) {
		committed[s] = true
	}
	named := map[string]bool{}
	for _, file := range workflowFiles(t) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var doc any
		require.NoError(t, yaml.Unmarshal(data, &doc))
		collectStacks(doc, "", named)
	}
	require.NotEmpty(t, named)
	for stack := range named {
		assert.True(t, committed[stack], "a workflow names stack %q but there is no Pulumi.%s.yaml", stack, stack)
	}
	for _, want := range []string{"dev", "staging", "prod"} {
		assert.True(t, named[want], "no workflow covers %s", want)
	}
}

func collectStacks(node any, key string, into map[string]bool) {
	switch v := node.(type) {
	case map[string]any:
		for k, child := range v {
			collectStacks(child, k, into)
		}
	case []any:
		for _, child := range v {
			collectStacks(child, key, into)
		}
	case string:
		if strings.Contains(v, "${{") {
			return
		}
		switch key {
		case "stack", "stack-name", "options":
			into[v] = true
		}
	}
}

// cloudOfKind is the cloud login a stack's cluster needs in CI.
var cloudOfKind = map[string]string{"gke": "gcp", "eks": "aws", "aks": "azure", "existing": "none", "minikube": "none"}

// TestWorkflows_MatricesLogInToEachStacksCloud keeps the per-stack matrices (the
// pull-request preview, the scheduled drift check) in step with the stack files:
// a stack moved to another cloud must log in to that cloud, or its job fails for
// want of credentials. The drift check covers every stack with a cloud cluster.
func TestWorkflows_MatricesLogInToEachStacksCloud(t *testing.T) {
	for file, job := range map[string]string{"pull-request.yml": "preview", "drift.yml": "drift"} {
		data, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "workflows", file))
		require.NoError(t, err)
		var workflow struct {
			Jobs map[string]struct {
				Strategy struct {
					Matrix struct {
						Include []struct{ Stack, Cloud string }
					}
				}
			}
		}
		require.NoError(t, yaml.Unmarshal(data, &workflow))
		entries := workflow.Jobs[job].Strategy.Matrix.Include
		require.NotEmpty(t, entries, file)
		covered := map[string]bool{}
		for _, entry := range entries {
			kind := clusterKind(t, entry.Stack)
			assert.Equal(t, cloudOfKind[kind], entry.Cloud, "%s: stack %s runs on %s", file, entry.Stack, kind)
			covered[entry.Stack] = true
		}
		for _, stack := range committedStacks(t) {
			if cloud := cloudOfKind[clusterKind(t, stack)]; cloud != "none" {
				assert.True(t, covered[stack], "%s covers no %s", file, stack)
			}
		}
	}
}

// loginAction is the action that logs a job in to a cloud.
var loginAction = map[string]string{
	"gcp":   "google-github-actions/auth@",
	"aws":   "aws-actions/configure-aws-credentials@",
	"azure": "azure/login@",
}

// TestWorkflows_ManualRunsLogInToTheStacksCloud: promotion previews the
// source stack (is it up to date?), and a rollout runs ups of its stack, so
// for each stack such a manual run offers, the job must log in to that
// stack's cloud.
func TestWorkflows_ManualRunsLogInToTheStacksCloud(t *testing.T) {
	for _, run := range []struct{ file, job, input string }{
		{"promote.yml", "promote", "from"},
		{"rollout.yml", "rollout", "stack"},
	} {
		data, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "workflows", run.file))
		require.NoError(t, err)
		var workflow struct {
			On struct {
				WorkflowDispatch struct {
					Inputs map[string]struct{ Options []string }
				} `yaml:"workflow_dispatch"`
			}
			Jobs map[string]struct {
				Steps []struct {
					If   string
					Uses string
				}
			}
		}
		require.NoError(t, yaml.Unmarshal(data, &workflow))
		stacks := workflow.On.WorkflowDispatch.Inputs[run.input].Options
		require.NotEmpty(t, stacks, run.file)
		for _, stack := range stacks {
			kind := clusterKind(t, stack)
			cloud := cloudOfKind[kind]
			if cloud == "none" {
				continue
			}
			found := false
			for _, step := range workflow.Jobs[run.job].Steps {
				found = found || (step.If == "inputs."+run.input+" == '"+stack+"'" && strings.HasPrefix(step.Uses, loginAction[cloud]))
			}
			assert.True(t, found, "%s: %s on %s needs a %s login step", run.file, stack, kind, cloud)
		}
	}
}

// The images workflow builds exactly the sample services the image builder
// knows, each from a Dockerfile that exists.
func TestWorkflows_ImagesBuildEverySampleService(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "workflows", "images.yml"))
	require.NoError(t, err)
	var wf struct {
		Jobs struct {
			Build struct {
				Strategy struct {
					Matrix struct {
						App []string `yaml:"app"`
					} `yaml:"matrix"`
				} `yaml:"strategy"`
			} `yaml:"build"`
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &wf))
	assert.ElementsMatch(t, images.Apps, wf.Jobs.Build.Strategy.Matrix.App)
	for _, app := range wf.Jobs.Build.Strategy.Matrix.App {
		assert.FileExists(t, filepath.Join(repoRoot(t), "apps", app, "Dockerfile"))
	}
}

// The identities a deploy logs in with: environment variables of the protected
// GitHub environments, whose OIDC trust admits only those environments' tokens.
var deployIdentityVars = []string{"vars.GCP_SERVICE_ACCOUNT", "vars.AWS_ROLE_ARN", "vars.AZURE_CLIENT_ID"}

// The read-only identities of previews and drift checks, per cloud.
var previewIdentityVar = map[string]string{
	"gcp":   "vars.GCP_PREVIEW_SERVICE_ACCOUNT",
	"aws":   "vars.AWS_PREVIEW_ROLE_ARN",
	"azure": "vars.AZURE_PREVIEW_CLIENT_ID",
}

// workflowJob is one job of a workflow as the least-privilege checks read it.
type workflowJob struct {
	file, name  string
	environment string
	idToken     bool
	text        string // the job's YAML, expressions included
	secrets     []string
	onPR        bool // the workflow runs on pull requests
	// calls is the reusable workflow the job runs (uses: ./.github/workflows/x.yml), if any.
	calls string
}

var secretRef = regexp.MustCompile(`secrets(?:\.([A-Za-z0-9_]+)|\[format\('([A-Za-z0-9_]+)\{0\}')`)

func workflowJobs(t *testing.T) []workflowJob {
	t.Helper()
	var jobs []workflowJob
	for _, file := range workflowFiles(t) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var workflow struct {
			On          map[string]any `yaml:"on"`
			Permissions map[string]string
			Jobs        map[string]yaml.Node
		}
		require.NoError(t, yaml.Unmarshal(data, &workflow))
		_, onPR := workflow.On["pull_request"]
		_, onPRTarget := workflow.On["pull_request_target"]
		for name, node := range workflow.Jobs {
			var job struct {
				Environment any
				Permissions map[string]string
				Uses        string
			}
			require.NoError(t, node.Decode(&job))
			text, err := yaml.Marshal(&node)
			require.NoError(t, err)
			perms := workflow.Permissions
			if job.Permissions != nil {
				perms = job.Permissions
			}
			j := workflowJob{file: filepath.Base(file), name: name, text: string(text), onPR: onPR || onPRTarget, idToken: perms["id-token"] == "write",
				calls: strings.TrimPrefix(job.Uses, "./.github/workflows/")}
			if job.Environment != nil {
				j.environment = fmt.Sprint(job.Environment)
			}
			for _, m := range secretRef.FindAllStringSubmatch(j.text, -1) {
				j.secrets = append(j.secrets, m[1]+m[2])
			}
			jobs = append(jobs, j)
		}
	}
	return jobs
}

// TestWorkflows_DeployIdentitiesOnlyInProtectedEnvironments: a job that names
// a deploy identity runs in a GitHub environment, and nothing a pull request
// runs names one (the cloud's trust policy refuses such a token anyway; the
// workflow must not even ask).
func TestWorkflows_DeployIdentitiesOnlyInProtectedEnvironments(t *testing.T) {
	for _, job := range workflowJobs(t) {
		for _, v := range deployIdentityVars {
			if !strings.Contains(job.text, v+" ") && !strings.Contains(job.text, v+"}") {
				continue
			}
			assert.NotEmpty(t, job.environment, "%s/%s names the deploy identity %s outside a protected environment", job.file, job.name, v)
			assert.False(t, job.onPR, "%s/%s runs on pull requests and names the deploy identity %s", job.file, job.name, v)
		}
	}
}

// TestWorkflows_PreviewsReadAsThemselves: the pull-request preview and the
// drift check run in no environment and log in to each cloud as its preview
// identity.
func TestWorkflows_PreviewsReadAsThemselves(t *testing.T) {
	found := 0
	for _, job := range workflowJobs(t) {
		if !(job.file == "pull-request.yml" && job.name == "preview") && !(job.file == "drift.yml" && job.name == "drift") {
			continue
		}
		found++
		assert.Empty(t, job.environment, "%s/%s", job.file, job.name)
		for cloud, v := range previewIdentityVar {
			assert.Contains(t, job.text, v, "%s/%s logs in to %s as what?", job.file, job.name, cloud)
		}
	}
	assert.Equal(t, 2, found)
}

// TestWorkflows_SecretsOnlyWhereNeeded: a job holds a stack's passphrase only
// for a stack it runs (never the shared one that opens every stack); a pull
// request's jobs hold no secret an environment keeps; the tests hold no
// secret and no OIDC token.
func TestWorkflows_SecretsOnlyWhereNeeded(t *testing.T) {
	jobs := workflowJobs(t)
	environmentSecrets := map[string]bool{}
	for _, job := range jobs {
		if job.environment == "" {
			continue
		}
		for _, s := range job.secrets {
			if s != "GITHUB_TOKEN" && !strings.HasPrefix(s, "PULUMI_CONFIG_PASSPHRASE_") {
				environmentSecrets[s] = true
			}
		}
	}
	for _, job := range jobs {
		for _, s := range job.secrets {
			assert.NotEqual(t, "PULUMI_CONFIG_PASSPHRASE", s, "%s/%s holds the passphrase of every stack: name the stack's own", job.file, job.name)
			if job.onPR {
				assert.False(t, environmentSecrets[s], "%s/%s runs on pull requests and names %s, an environment's secret", job.file, job.name, s)
			}
		}
		if strings.HasPrefix(job.name, "test") || job.name == "test" {
			assert.Empty(t, job.secrets, "%s/%s", job.file, job.name)
			assert.False(t, job.idToken, "%s/%s can mint OIDC tokens it never uses", job.file, job.name)
		}
		logsIn := false
		for _, action := range loginAction {
			logsIn = logsIn || strings.Contains(job.text, action)
			// A job that calls a reusable workflow passes its token on to it.
			for _, called := range jobs {
				logsIn = logsIn || job.calls != "" && called.file == job.calls && strings.Contains(called.text, action)
			}
		}
		if job.idToken {
			assert.True(t, logsIn, "%s/%s can mint OIDC tokens but logs in to no cloud", job.file, job.name)
		}
	}
}

// TestWorkflows_PullRequestsValidateEveryPreviewedStackFirst: the previews
// wait for the offline check of every stack they preview, which holds no
// secret and no token.
func TestWorkflows_PullRequestsValidateEveryPreviewedStackFirst(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "workflows", "pull-request.yml"))
	require.NoError(t, err)
	var workflow struct {
		Jobs map[string]struct {
			Needs    any `yaml:"needs"`
			Strategy struct {
				Matrix struct {
					Include []struct{ Stack string } `yaml:"include"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct{ Run string } `yaml:"steps"`
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &workflow))
	validate, ok := workflow.Jobs["validate"]
	require.True(t, ok, "pull-request.yml has a validate job")
	preview := workflow.Jobs["preview"]
	assert.Contains(t, fmt.Sprint(preview.Needs), "validate", "the previews wait for it")
	var runs strings.Builder
	for _, step := range validate.Steps {
		runs.WriteString(step.Run + "\n")
	}
	assert.Contains(t, runs.String(), "platform validate -stack")
	require.NotEmpty(t, preview.Strategy.Matrix.Include)
	for _, entry := range preview.Strategy.Matrix.Include {
		assert.Regexp(t, `for stack in [^;]*\b`+entry.Stack+`\b`, runs.String(), "validate checks %s, which the previews preview", entry.Stack)
	}
	for _, job := range workflowJobs(t) {
		if job.file == "pull-request.yml" && job.name == "validate" {
			assert.Empty(t, job.secrets)
			assert.False(t, job.idToken)
		}
	}
}

// TestWorkflows_MergesDeployChangedStacksInChainOrder: the deploy workflow
// brings each deployable stack up through deploy-stack.yml in its own
// environment with its cloud's login, only when the plan names it, each
// after the stack before it in the promotion chain succeeded or was not
// needed; then checks it for drift and for available Deployments.
func TestWorkflows_MergesDeployChangedStacksInChainOrder(t *testing.T) {
	chain, err := release.LoadChain(filepath.Join(repoRoot(t), "promotion.yaml"))
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "workflows", "deploy.yml"))
	require.NoError(t, err)
	var workflow struct {
		Jobs map[string]struct {
			Needs any               `yaml:"needs"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
			With  map[string]string `yaml:"with"`
			Steps []struct{ Run string }
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &workflow))
	var planRun strings.Builder
	for _, step := range workflow.Jobs["plan"].Steps {
		planRun.WriteString(step.Run)
	}
	var deployed, order []string
	for _, stage := range chain.Stages {
		for _, stack := range stage {
			if _, ok := workflow.Jobs[stack]; ok {
				order = append(order, stack)
			}
		}
	}
	for _, stack := range order {
		job := workflow.Jobs[stack]
		deployed = append(deployed, stack)
		assert.Equal(t, "./.github/workflows/deploy-stack.yml", job.Uses, stack)
		assert.Equal(t, stack, job.With["stack"], stack)
		assert.Equal(t, cloudOfKind[clusterKind(t, stack)], job.With["cloud"], "%s logs in to its cluster's cloud", stack)
		assert.Contains(t, job.If, "fromJSON(needs.plan.outputs.stacks)."+stack, "%s is deployed only when the merge changed it", stack)
		needs := fmt.Sprint(job.Needs)
		assert.Contains(t, needs, "plan")
		if i := len(deployed) - 1; i > 0 {
			previous := deployed[i-1]
			assert.Contains(t, needs, previous, "%s waits for %s", stack, previous)
			assert.Contains(t, job.If, "needs."+previous+".result == 'success'", "%s stops when %s failed", stack, previous)
			assert.NotContains(t, job.If, "'failure'", stack)
		}
	}
	assert.Equal(t, []string{"dev", "staging", "prod"}, deployed, "every cloud stack, in the chain's order")
	assert.Contains(t, planRun.String(), "deploy-plan -stacks "+strings.Join(deployed, ","), "the plan is asked about exactly these stacks")

	stackJob, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "workflows", "deploy-stack.yml"))
	require.NoError(t, err)
	text := string(stackJob)
	assert.Contains(t, text, "environment: ${{ inputs.stack }}", "each stack in its own environment")
	up := strings.Index(text, "command: up")
	drift := strings.Index(text, "platform drift -stack")
	smoke := strings.Index(text, "wait --for=condition=Available deployment --all")
	assert.True(t, up > 0 && drift > up && smoke > drift, "up, then no drift, then every Deployment available")
}
