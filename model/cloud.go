package model

// The managed cloud targets. Each block is complete once decoded: defaults are
// applied and every value checked, so the components never guess.

const (
	ClusterGKE ClusterKind = "gke"
	ClusterEKS ClusterKind = "eks"
	ClusterAKS ClusterKind = "aks"
)

// NodeScaling bounds a node pool's autoscaler (Min ≤ Max).
type NodeScaling struct {
	Min int
	Max int
}

// GKECluster is a Google Kubernetes Engine cluster in its own VPC network.
type GKECluster struct {
	Name    string
	Project string
	// Location is a region (a regional cluster, nodes in every zone) or a zone.
	Location string
	// Region is the region of Location, where the subnetwork lives.
	Region string
	// KubernetesVersion is the minimum control-plane version ("1.33"); empty
	// leaves the version to the release channel.
	KubernetesVersion string
	ReleaseChannel    string
	NodeCIDR          string
	PodCIDR           string
	ServiceCIDR       string
	// NetworkPolicy is enforced by "dataplaneV2" (GKE's eBPF datapath) or "calico".
	NetworkPolicy string
	// PrivateNodes gives nodes no public address; they reach the internet through
	// Cloud NAT and the control plane through MasterCIDR.
	PrivateNodes bool
	MasterCIDR   string
	// MasterAuthorizedNetworks, when set, are the only CIDRs that reach the
	// control plane's public endpoint.
	MasterAuthorizedNetworks []string
	NodePool                 GKENodePool
	Labels                   map[string]string
}

// GKENodePool is the separately managed node pool.
type GKENodePool struct {
	MachineType string
	DiskSizeGB  int
	// Nodes are the pool's total bounds across its zones.
	Nodes NodeScaling
	Spot  bool
}

// EKSCluster is an Amazon EKS cluster in its own VPC.
type EKSCluster struct {
	Name              string
	Region            string
	KubernetesVersion string
	// AccountID, when set, is the only AWS account the program will touch.
	AccountID string
	VPCCIDR   string
	// AvailabilityZones are explicit zones; when empty the first ZoneCount zones
	// the region reports are used.
	AvailabilityZones     []string
	ZoneCount             int
	EndpointPublicAccess  bool
	EndpointPrivateAccess bool
	PublicAccessCIDRs     []string
	// LogTypes are the control-plane logs sent to CloudWatch.
	LogTypes         []string
	LogRetentionDays int
	// NATPerZone runs a NAT gateway in every zone instead of one for the VPC.
	NATPerZone bool
	// SupportType is STANDARD (EKS upgrades the control plane when standard
	// support ends) or EXTENDED (it stays, billed at the extended-support rate).
	SupportType string
	NodeGroup   EKSNodeGroup
	Tags        map[string]string
	// AccessEntries grant IAM principals (people's roles, not only the identity
	// that created the cluster) an EKS access policy on the cluster.
	AccessEntries []EKSAccess
}

// EKSAccess is one EKS access entry and the access policy associated with it.
type EKSAccess struct {
	PrincipalARN string
	// Policy is the short name of an AWS-managed access policy, e.g.
	// AmazonEKSClusterAdminPolicy.
	Policy string
	// Namespaces scope the policy; empty means the whole cluster.
	Namespaces []string
}

// EKSAccessPolicies are the AWS-managed access policies an entry may name.
var EKSAccessPolicies = []string{"AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"}

// EKSNodeGroup is the managed node group in the private subnets.
type EKSNodeGroup struct {
	InstanceTypes []string
	// CapacityType is ON_DEMAND or SPOT.
	CapacityType string
	DiskSizeGB   int
	Nodes        NodeScaling
	// Desired is the starting size; the autoscaler owns it afterwards.
	Desired int
}

// AKSCluster is an Azure Kubernetes Service cluster in its own resource group.
type AKSCluster struct {
	Name           string
	SubscriptionID string
	Location       string
	ResourceGroup  string
	// KubernetesVersion is "1.33" (latest patch) or "1.33.2"; empty takes AKS's default.
	KubernetesVersion string
	// UpgradeChannel is AKS's automatic upgrade channel: none, patch, stable,
	// rapid or node-image.
	UpgradeChannel string
	// Network is "overlay" (Azure CNI overlay, pods from PodCIDR) or "azure"
	// (Azure CNI, pods get VNet addresses).
	Network       string
	NetworkPolicy string
	PodCIDR       string
	ServiceCIDR   string
	DNSServiceIP  string
	NodePool      AKSNodePool
	// AzureRBAC authorizes Kubernetes requests with Entra ID and Azure RBAC.
	AzureRBAC           bool
	AdminGroupObjectIDs []string
	// DisableLocalAccounts removes the static admin credential; it needs AzureRBAC.
	DisableLocalAccounts bool
	Tags                 map[string]string
}

// AKSNodePool is the system node pool.
type AKSNodePool struct {
	VMSize     string
	DiskSizeGB int
	Nodes      NodeScaling
	Zones      []string
}
