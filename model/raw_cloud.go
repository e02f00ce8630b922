package model

// YAML shapes of the cloud cluster blocks (cloudnative:cluster.gke|eks|aks).

type rawScaling struct {
	Min *int `json:"minNodes"`
	Max *int `json:"maxNodes"`
}

type rawGKE struct {
	Name                     string            `json:"name"`
	Project                  string            `json:"project"`
	Location                 string            `json:"location"`
	KubernetesVersion        string            `json:"kubernetesVersion"`
	ReleaseChannel           string            `json:"releaseChannel"`
	NodeCIDR                 string            `json:"nodeCidr"`
	PodCIDR                  string            `json:"podCidr"`
	ServiceCIDR              string            `json:"serviceCidr"`
	NetworkPolicy            string            `json:"networkPolicy"`
	PrivateNodes             *bool             `json:"privateNodes"`
	MasterCIDR               string            `json:"masterCidr"`
	MasterAuthorizedNetworks []string          `json:"masterAuthorizedNetworks"`
	NodePool                 *rawGKENodePool   `json:"nodePool"`
	Labels                   map[string]string `json:"labels"`
}

type rawGKENodePool struct {
	rawScaling
	MachineType string `json:"machineType"`
	DiskSizeGB  *int   `json:"diskSizeGB"`
	Spot        bool   `json:"spot"`
}

type rawEKS struct {
	Name                  string            `json:"name"`
	Region                string            `json:"region"`
	KubernetesVersion     string            `json:"kubernetesVersion"`
	AccountID             string            `json:"accountId"`
	VPCCIDR               string            `json:"vpcCidr"`
	AvailabilityZones     []string          `json:"availabilityZones"`
	ZoneCount             *int              `json:"zoneCount"`
	EndpointPublicAccess  *bool             `json:"endpointPublicAccess"`
	EndpointPrivateAccess *bool             `json:"endpointPrivateAccess"`
	PublicAccessCIDRs     []string          `json:"publicAccessCidrs"`
	LogTypes              []string          `json:"logTypes"`
	LogRetentionDays      *int              `json:"logRetentionDays"`
	NATPerZone            bool              `json:"natPerZone"`
	SupportType           string            `json:"supportType"`
	NodeGroup             *rawEKSNodeGroup  `json:"nodeGroup"`
	Tags                  map[string]string `json:"tags"`
	AccessEntries         []rawEKSAccess    `json:"accessEntries"`
}

type rawEKSAccess struct {
	PrincipalARN string   `json:"principalArn"`
	Policy       string   `json:"policy"`
	Namespaces   []string `json:"namespaces"`
}

type rawEKSNodeGroup struct {
	rawScaling
	InstanceTypes []string `json:"instanceTypes"`
	CapacityType  string   `json:"capacityType"`
	DiskSizeGB    *int     `json:"diskSizeGB"`
	Desired       *int     `json:"desiredNodes"`
}

type rawAKS struct {
	Name                 string            `json:"name"`
	SubscriptionID       string            `json:"subscriptionId"`
	Location             string            `json:"location"`
	ResourceGroup        string            `json:"resourceGroup"`
	KubernetesVersion    string            `json:"kubernetesVersion"`
	UpgradeChannel       string            `json:"upgradeChannel"`
	Network              string            `json:"network"`
	NetworkPolicy        string            `json:"networkPolicy"`
	PodCIDR              string            `json:"podCidr"`
	ServiceCIDR          string            `json:"serviceCidr"`
	NodePool             *rawAKSNodePool   `json:"nodePool"`
	AzureRBAC            bool              `json:"azureRbac"`
	AdminGroupObjectIDs  []string          `json:"adminGroupObjectIds"`
	DisableLocalAccounts bool              `json:"disableLocalAccounts"`
	Tags                 map[string]string `json:"tags"`
}

type rawAKSNodePool struct {
	rawScaling
	VMSize     string   `json:"vmSize"`
	DiskSizeGB *int     `json:"diskSizeGB"`
	Zones      []string `json:"zones"`
}
