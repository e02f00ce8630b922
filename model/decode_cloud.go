package model

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

var (
	gcpRegion     = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+$`)
	gcpZone       = regexp.MustCompile(`^([a-z]+-[a-z]+[0-9]+)-[a-z]$`)
	gcpProject    = regexp.MustCompile(`^[a-z][-a-z0-9]{4,28}[a-z0-9]$`)
	gcpLabelKey   = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	gcpLabelValue = regexp.MustCompile(`^[a-z0-9_-]{0,63}$`)
	gkeVersion    = regexp.MustCompile(`^\d+\.\d+(\.\d+(-gke\.\d+)?)?$`)
	awsRegion     = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$`)
	awsAccount    = regexp.MustCompile(`^\d{12}$`)
	eksName       = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	azureLocation = regexp.MustCompile(`^[a-z][a-z0-9]+$`)
	azureName     = regexp.MustCompile(`^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$`)
	uuid          = regexp.MustCompile(`^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$`)
	aksVersion    = regexp.MustCompile(`^\d+\.\d+(\.\d+)?$`)
)

// EKSLogTypes are the control-plane logs EKS can send to CloudWatch.
// EKSSupportTypes are EKS's support policies for a Kubernetes version.
var EKSSupportTypes = []string{"STANDARD", "EXTENDED"}

// AKSZones are the availability zones an AKS node pool may name.
var AKSZones = []string{"1", "2", "3"}

var EKSLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

func decodeGKE(raw *rawGKE, stack string, p *problems) *GKECluster {
	at := key("cluster") + ".gke"
	if raw == nil {
		raw = &rawGKE{}
	}
	pool := raw.NodePool
	if pool == nil {
		pool = &rawGKENodePool{}
	}
	g := &GKECluster{
		Name:                     orDefault(raw.Name, defaultClusterName(stack)),
		Project:                  raw.Project,
		Location:                 raw.Location,
		KubernetesVersion:        raw.KubernetesVersion,
		ReleaseChannel:           orDefault(raw.ReleaseChannel, "REGULAR"),
		NodeCIDR:                 orDefault(raw.NodeCIDR, "10.10.0.0/20"),
		PodCIDR:                  orDefault(raw.PodCIDR, "10.100.0.0/14"),
		ServiceCIDR:              orDefault(raw.ServiceCIDR, "10.20.0.0/20"),
		NetworkPolicy:            orDefault(raw.NetworkPolicy, "dataplaneV2"),
		PrivateNodes:             raw.PrivateNodes == nil || *raw.PrivateNodes,
		MasterCIDR:               orDefault(raw.MasterCIDR, "172.16.0.0/28"),
		MasterAuthorizedNetworks: raw.MasterAuthorizedNetworks,
		NodePool: GKENodePool{
			MachineType: orDefault(pool.MachineType, "e2-standard-4"),
			DiskSizeGB:  intOr(pool.DiskSizeGB, 100),
			Nodes:       decodeScaling(pool.rawScaling, 1, 3, at+".nodePool", p),
			Spot:        pool.Spot,
		},
		Labels: raw.Labels,
	}
	if len(g.Name) > 40 || !dnsLabel.MatchString(g.Name) || !isLetter(g.Name[0]) {
		p.add(at+".name", "%q: GKE names start with a letter and are at most 40 lower-case letters, digits and '-'", g.Name)
	}
	switch {
	case g.Project == "":
		p.add(at+".project", "is required: the Google Cloud project to create the cluster in")
	case !gcpProject.MatchString(g.Project):
		p.add(at+".project", "%q is not a project ID (6-30 lower-case letters, digits and '-')", g.Project)
	}
	switch {
	case gcpRegion.MatchString(g.Location):
		g.Region = g.Location
	case gcpZone.MatchString(g.Location):
		g.Region = gcpZone.FindStringSubmatch(g.Location)[1]
	case g.Location == "":
		p.add(at+".location", "is required: a region like europe-west1 (regional cluster) or a zone like europe-west1-b")
	default:
		p.add(at+".location", "%q is neither a region like europe-west1 nor a zone like europe-west1-b", g.Location)
	}
	if g.KubernetesVersion != "" && !gkeVersion.MatchString(g.KubernetesVersion) {
		p.add(at+".kubernetesVersion", "must look like 1.33 or 1.33.5-gke.1080000, got %q", g.KubernetesVersion)
	}
	checkOneOf(p, at+".releaseChannel", g.ReleaseChannel, "RAPID", "REGULAR", "STABLE", "EXTENDED")
	checkOneOf(p, at+".networkPolicy", g.NetworkPolicy, "dataplaneV2", "calico")
	checkCIDRs(p, map[string]string{at + ".nodeCidr": g.NodeCIDR, at + ".podCidr": g.PodCIDR, at + ".serviceCidr": g.ServiceCIDR})
	if g.PrivateNodes {
		if prefix, ok := checkCIDR(p, at+".masterCidr", g.MasterCIDR); ok && prefix.Bits() != 28 {
			p.add(at+".masterCidr", "GKE needs a /28 for the control plane, got %s", g.MasterCIDR)
		}
	}
	for i, cidr := range g.MasterAuthorizedNetworks {
		checkCIDR(p, fmt.Sprintf("%s.masterAuthorizedNetworks[%d]", at, i), cidr)
	}
	if g.NodePool.DiskSizeGB < 10 {
		p.add(at+".nodePool.diskSizeGB", "must be at least 10, got %d", g.NodePool.DiskSizeGB)
	}
	for _, k := range sortedKeys(g.Labels) {
		if !gcpLabelKey.MatchString(k) || !gcpLabelValue.MatchString(g.Labels[k]) {
			p.add(at+".labels."+k, "GCP labels are lower-case letters, digits, '_' and '-' (keys start with a letter), got %q: %q", k, g.Labels[k])
		}
	}
	return g
}

func decodeEKS(raw *rawEKS, stack string, p *problems) *EKSCluster {
	at := key("cluster") + ".eks"
	if raw == nil {
		raw = &rawEKS{}
	}
	group := raw.NodeGroup
	if group == nil {
		group = &rawEKSNodeGroup{}
	}
	e := &EKSCluster{
		Name:                  orDefault(raw.Name, defaultClusterName(stack)),
		Region:                raw.Region,
		KubernetesVersion:     orDefault(raw.KubernetesVersion, "1.33"),
		AccountID:             raw.AccountID,
		VPCCIDR:               orDefault(raw.VPCCIDR, "10.0.0.0/16"),
		AvailabilityZones:     raw.AvailabilityZones,
		ZoneCount:             intOr(raw.ZoneCount, 2),
		EndpointPublicAccess:  raw.EndpointPublicAccess == nil || *raw.EndpointPublicAccess,
		EndpointPrivateAccess: raw.EndpointPrivateAccess == nil || *raw.EndpointPrivateAccess,
		PublicAccessCIDRs:     raw.PublicAccessCIDRs,
		LogTypes:              raw.LogTypes,
		LogRetentionDays:      intOr(raw.LogRetentionDays, 30),
		NATPerZone:            raw.NATPerZone,
		SupportType:           orDefault(raw.SupportType, "STANDARD"),
		NodeGroup: EKSNodeGroup{
			InstanceTypes: raw.NodeGroup.instanceTypes(),
			CapacityType:  orDefault(group.CapacityType, "ON_DEMAND"),
			DiskSizeGB:    intOr(group.DiskSizeGB, 50),
			Nodes:         decodeScaling(group.rawScaling, 2, 4, at+".nodeGroup", p),
		},
		Tags: raw.Tags,
	}
	if len(e.LogTypes) == 0 {
		e.LogTypes = []string{"api", "audit", "authenticator"}
	}
	e.NodeGroup.Desired = intOr(group.Desired, e.NodeGroup.Nodes.Min)
	e.AccessEntries = decodeEKSAccess(raw.AccessEntries, at+".accessEntries", p)
	if !eksName.MatchString(e.Name) {
		p.add(at+".name", "%q: EKS names are letters, digits, '-' and '_', starting alphanumeric, at most 100", e.Name)
	}
	switch {
	case e.Region == "":
		p.add(at+".region", "is required: an AWS region like eu-west-1")
	case !awsRegion.MatchString(e.Region):
		p.add(at+".region", "%q is not an AWS region like eu-west-1", e.Region)
	}
	if !minorVersion.MatchString(e.KubernetesVersion) {
		p.add(at+".kubernetesVersion", "EKS takes a minor version like 1.33, got %q", e.KubernetesVersion)
	}
	if e.AccountID != "" && !awsAccount.MatchString(e.AccountID) {
		p.add(at+".accountId", "must be a 12-digit AWS account ID, got %q", e.AccountID)
	}
	if prefix, ok := checkCIDR(p, at+".vpcCidr", e.VPCCIDR); ok && (prefix.Bits() < 16 || prefix.Bits() > 24 || !prefix.Addr().Is4()) {
		p.add(at+".vpcCidr", "must be an IPv4 range from /16 to /24 (split into %d subnets), got %s", 2*maxZones, e.VPCCIDR)
	}
	if len(e.AvailabilityZones) > 0 {
		if raw.ZoneCount != nil && *raw.ZoneCount != len(e.AvailabilityZones) {
			p.add(at+".zoneCount", "is %d but %d availabilityZones are listed; set one of them", *raw.ZoneCount, len(e.AvailabilityZones))
		}
		e.ZoneCount = len(e.AvailabilityZones)
		for i, zone := range e.AvailabilityZones {
			if !strings.HasPrefix(zone, e.Region) || len(zone) != len(e.Region)+1 {
				p.add(fmt.Sprintf("%s.availabilityZones[%d]", at, i), "%q is not a zone of region %s (like %sa)", zone, e.Region, e.Region)
			}
		}
	}
	if e.ZoneCount < 2 || e.ZoneCount > maxZones {
		p.add(at+".availabilityZones", "EKS needs subnets in 2 to %d availability zones, got %d", maxZones, e.ZoneCount)
	}
	if !e.EndpointPublicAccess && !e.EndpointPrivateAccess {
		p.add(at+".endpointPublicAccess", "the API server needs a public or a private endpoint (both are off)")
	}
	if !e.EndpointPublicAccess && len(e.PublicAccessCIDRs) > 0 {
		p.add(at+".publicAccessCidrs", "set only with endpointPublicAccess")
	}
	for i, cidr := range e.PublicAccessCIDRs {
		checkCIDR(p, fmt.Sprintf("%s.publicAccessCidrs[%d]", at, i), cidr)
	}
	for i, logType := range e.LogTypes {
		checkOneOf(p, fmt.Sprintf("%s.logTypes[%d]", at, i), logType, EKSLogTypes...)
	}
	checkOneOf(p, at+".nodeGroup.capacityType", e.NodeGroup.CapacityType, "ON_DEMAND", "SPOT")
	checkOneOf(p, at+".supportType", e.SupportType, EKSSupportTypes...)
	if d := e.NodeGroup.Desired; d < e.NodeGroup.Nodes.Min || d > e.NodeGroup.Nodes.Max {
		p.add(at+".nodeGroup.desiredNodes", "must be between minNodes %d and maxNodes %d, got %d", e.NodeGroup.Nodes.Min, e.NodeGroup.Nodes.Max, d)
	}
	if e.NodeGroup.DiskSizeGB < 20 {
		p.add(at+".nodeGroup.diskSizeGB", "must be at least 20, got %d", e.NodeGroup.DiskSizeGB)
	}
	return e
}

// maxZones is the most availability zones an EKS VPC spans: its range is split
// into 2×maxZones equal subnets.
const maxZones = 6

func (g *rawEKSNodeGroup) instanceTypes() []string {
	if g == nil || len(g.InstanceTypes) == 0 {
		return []string{"m6i.large"}
	}
	return g.InstanceTypes
}

func decodeAKS(raw *rawAKS, stack string, p *problems) *AKSCluster {
	at := key("cluster") + ".aks"
	if raw == nil {
		raw = &rawAKS{}
	}
	pool := raw.NodePool
	if pool == nil {
		pool = &rawAKSNodePool{}
	}
	name := orDefault(raw.Name, defaultClusterName(stack))
	a := &AKSCluster{
		Name:                 name,
		SubscriptionID:       raw.SubscriptionID,
		Location:             raw.Location,
		ResourceGroup:        orDefault(raw.ResourceGroup, name+"-rg"),
		KubernetesVersion:    raw.KubernetesVersion,
		UpgradeChannel:       orDefault(raw.UpgradeChannel, "stable"),
		Network:              orDefault(raw.Network, "overlay"),
		NetworkPolicy:        orDefault(raw.NetworkPolicy, "cilium"),
		PodCIDR:              orDefault(raw.PodCIDR, "192.168.0.0/16"),
		ServiceCIDR:          orDefault(raw.ServiceCIDR, "10.0.0.0/16"),
		AzureRBAC:            raw.AzureRBAC,
		AdminGroupObjectIDs:  raw.AdminGroupObjectIDs,
		DisableLocalAccounts: raw.DisableLocalAccounts,
		NodePool: AKSNodePool{
			VMSize:     orDefault(pool.VMSize, "Standard_D4s_v5"),
			DiskSizeGB: intOr(pool.DiskSizeGB, 128),
			Nodes:      decodeScaling(pool.rawScaling, 1, 3, at+".nodePool", p),
			Zones:      pool.Zones,
		},
		Tags: raw.Tags,
	}
	if a.Network == "azure" {
		a.PodCIDR = "" // pods take addresses from the VNet
	}
	if !azureName.MatchString(a.Name) {
		p.add(at+".name", "%q: AKS names are 1-63 letters, digits, '-' and '_', starting and ending alphanumeric", a.Name)
	}
	if !azureName.MatchString(a.ResourceGroup) {
		p.add(at+".resourceGroup", "%q is not a resource group name", a.ResourceGroup)
	}
	switch {
	case a.SubscriptionID == "":
		p.add(at+".subscriptionId", "is required: the Azure subscription to create the cluster in")
	case !uuid.MatchString(a.SubscriptionID):
		p.add(at+".subscriptionId", "%q is not a subscription ID (a UUID)", a.SubscriptionID)
	}
	switch {
	case a.Location == "":
		p.add(at+".location", "is required: an Azure region like westeurope")
	case !azureLocation.MatchString(a.Location):
		p.add(at+".location", "%q is not an Azure region name like westeurope or eastus2 (lower case, no spaces)", a.Location)
	}
	if a.KubernetesVersion != "" && !aksVersion.MatchString(a.KubernetesVersion) {
		p.add(at+".kubernetesVersion", "must look like 1.33 or 1.33.2, got %q", a.KubernetesVersion)
	}
	checkOneOf(p, at+".upgradeChannel", a.UpgradeChannel, "none", "patch", "stable", "rapid", "node-image")
	checkOneOf(p, at+".network", a.Network, "overlay", "azure")
	checkOneOf(p, at+".networkPolicy", a.NetworkPolicy, "cilium", "azure", "calico")
	cidrs := map[string]string{at + ".serviceCidr": a.ServiceCIDR}
	if a.PodCIDR != "" {
		cidrs[at+".podCidr"] = a.PodCIDR
	}
	if checkCIDRs(p, cidrs) {
		// AKS reserves the tenth address of the service range for CoreDNS.
		a.DNSServiceIP = nthAddress(netip.MustParsePrefix(a.ServiceCIDR), 10).String()
	}
	if a.DisableLocalAccounts && !a.AzureRBAC {
		p.add(at+".disableLocalAccounts", "needs azureRbac: true, or nobody could sign in to the cluster")
	}
	if len(a.AdminGroupObjectIDs) > 0 && !a.AzureRBAC {
		p.add(at+".adminGroupObjectIds", "set only with azureRbac: true")
	}
	for i, id := range a.AdminGroupObjectIDs {
		if !uuid.MatchString(id) {
			p.add(fmt.Sprintf("%s.adminGroupObjectIds[%d]", at, i), "%q is not an object ID (a UUID)", id)
		}
	}
	for i, zone := range a.NodePool.Zones {
		checkOneOf(p, fmt.Sprintf("%s.nodePool.zones[%d]", at, i), zone, AKSZones...)
	}
	if a.NodePool.DiskSizeGB < 30 {
		p.add(at+".nodePool.diskSizeGB", "must be at least 30, got %d", a.NodePool.DiskSizeGB)
	}
	return a
}

// decodeScaling applies defaults and checks 1 ≤ min ≤ max.
func decodeScaling(raw rawScaling, min, max int, at string, p *problems) NodeScaling {
	s := NodeScaling{Min: intOr(raw.Min, min), Max: intOr(raw.Max, max)}
	if raw.Min != nil && raw.Max == nil && s.Min > s.Max {
		s.Max = s.Min
	}
	if s.Min < 1 {
		p.add(at+".minNodes", "must be at least 1, got %d", s.Min)
	}
	if s.Min > s.Max {
		p.add(at+".maxNodes", "must be at least minNodes (%d), got %d", s.Min, s.Max)
	}
	return s
}

func defaultClusterName(stack string) string {
	if stack == "" {
		return "cloudnative"
	}
	return "cloudnative-" + strings.ToLower(stack)
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' }

func checkOneOf(p *problems, at, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	p.add(at, "must be one of %s, got %q", strings.Join(allowed, ", "), value)
}

func checkCIDR(p *problems, at, value string) (netip.Prefix, bool) {
	prefix, err := netip.ParsePrefix(value)
	if err != nil {
		p.add(at, "%q is not a CIDR range like 10.0.0.0/16", value)
		return netip.Prefix{}, false
	}
	if prefix != prefix.Masked() {
		p.add(at, "%q has host bits set; the range starts at %s", value, prefix.Masked())
		return netip.Prefix{}, false
	}
	return prefix, true
}

// checkCIDRs checks each range and that no two overlap; it reports whether all
// were fine.
func checkCIDRs(p *problems, ranges map[string]string) bool {
	keys := sortedKeys(ranges)
	parsed := make([]netip.Prefix, 0, len(keys))
	fine := true
	for _, k := range keys {
		prefix, ok := checkCIDR(p, k, ranges[k])
		fine = fine && ok
		parsed = append(parsed, prefix)
	}
	if !fine {
		return false
	}
	for i := range parsed {
		for j := i + 1; j < len(parsed); j++ {
			if parsed[i].Overlaps(parsed[j]) {
				p.add(keys[j], "%s overlaps %s (%s)", parsed[j], keys[i], parsed[i])
				fine = false
			}
		}
	}
	return fine
}

func nthAddress(prefix netip.Prefix, n int) netip.Addr {
	addr := prefix.Addr()
	for range n {
		addr = addr.Next()
	}
	return addr
}

var iamPrincipal = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$`)

// decodeEKSAccess checks the access entries: an IAM role or user ARN each, at most
// once, with an AWS-managed access policy; cluster admin is never namespaced.
func decodeEKSAccess(raws []rawEKSAccess, at string, p *problems) []EKSAccess {
	entries := make([]EKSAccess, 0, len(raws))
	seen := map[string]int{}
	for i, raw := range raws {
		entryAt := fmt.Sprintf("%s[%d]", at, i)
		e := EKSAccess{PrincipalARN: raw.PrincipalARN, Policy: raw.Policy, Namespaces: raw.Namespaces}
		if !iamPrincipal.MatchString(e.PrincipalARN) {
			p.add(entryAt+".principalArn", "%q is not an IAM role or user ARN like arn:aws:iam::123456789012:role/platform-admins", e.PrincipalARN)
		}
		if first, dup := seen[e.PrincipalARN]; dup {
			p.add(entryAt+".principalArn", "%s already has an entry (%s[%d]); EKS takes one entry per principal", e.PrincipalARN, at, first)
		}
		seen[e.PrincipalARN] = i
		if !slices.Contains(EKSAccessPolicies, e.Policy) {
			p.add(entryAt+".policy", "must be one of %s, got %q", strings.Join(EKSAccessPolicies, ", "), e.Policy)
		}
		if e.Policy == "AmazonEKSClusterAdminPolicy" && len(e.Namespaces) > 0 {
			p.add(entryAt+".namespaces", "AmazonEKSClusterAdminPolicy applies to the whole cluster; leave namespaces out")
		}
		for j, ns := range e.Namespaces {
			checkDNSLabel(p, fmt.Sprintf("%s.namespaces[%d]", entryAt, j), ns)
		}
		entries = append(entries, e)
	}
	return entries
}
