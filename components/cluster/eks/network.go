package eks

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
)

// subnetBits splits the VPC range into 16 equal subnets: public ones from the
// first slot, private ones from privateSlot, room for six zones each.
const (
	subnetBits  = 4
	privateSlot = 8
)

type network struct {
	VPC            *ec2.Vpc
	PublicSubnets  []*ec2.Subnet
	PrivateSubnets []*ec2.Subnet
}

// PublicSubnetIDs are the public subnets' IDs, one per zone.
func (n *network) PublicSubnetIDs() pulumi.StringArray { return subnetIDs(n.PublicSubnets) }

// PrivateSubnetIDs are the private subnets' IDs, one per zone.
func (n *network) PrivateSubnetIDs() pulumi.StringArray { return subnetIDs(n.PrivateSubnets) }

func subnetIDs(subnets []*ec2.Subnet) pulumi.StringArray {
	ids := make(pulumi.StringArray, len(subnets))
	for i, s := range subnets {
		ids[i] = s.ID().ToStringOutput()
	}
	return ids
}

// newNetwork creates the VPC: in each zone a public subnet (internet gateway,
// load balancers) and a private one (nodes, egress through NAT), tagged so
// that the AWS load balancer integration finds them.
func newNetwork(ctx *pulumi.Context, name string, cfg model.EKSCluster, zones []string, opts ...pulumi.ResourceOption) (*network, error) {
	vpcRange := netip.MustParsePrefix(cfg.VPCCIDR)
	vpc, err := ec2.NewVpc(ctx, name, &ec2.VpcArgs{
		CidrBlock:          pulumi.String(cfg.VPCCIDR),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               pulumi.StringMap{"Name": pulumi.String(cfg.Name)},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("eks %s: vpc: %w", name, err)
	}
	gateway, err := ec2.NewInternetGateway(ctx, name, &ec2.InternetGatewayArgs{VpcId: vpc.ID()}, opts...)
	if err != nil {
		return nil, fmt.Errorf("eks %s: internet gateway: %w", name, err)
	}
	public, err := newRouteTable(ctx, name+"-public", vpc, &ec2.RouteTableRouteArgs{GatewayId: gateway.ID()}, opts...)
	if err != nil {
		return nil, fmt.Errorf("eks %s: public route table: %w", name, err)
	}

	n := &network{VPC: vpc}
	var nat *ec2.NatGateway
	for i, zone := range zones {
		subnet, err := newSubnet(ctx, name, cfg, publicTier, zone, SubnetCIDR(vpcRange, publicTier.slot+i), vpc, public, opts...)
		if err != nil {
			return nil, err
		}
		n.PublicSubnets = append(n.PublicSubnets, subnet)

		// One NAT gateway for the VPC is cheaper; one per zone keeps egress up
		// when a zone fails.
		if nat == nil || cfg.NATPerZone {
			nat, err = newNATGateway(ctx, fmt.Sprintf("%s-%s", name, zone), subnet, opts...)
			if err != nil {
				return nil, err
			}
		}
		routes, err := newRouteTable(ctx, fmt.Sprintf("%s-private-%s", name, zone), vpc, &ec2.RouteTableRouteArgs{NatGatewayId: nat.ID()}, opts...)
		if err != nil {
			return nil, fmt.Errorf("eks %s: private route table %s: %w", name, zone, err)
		}
		private, err := newSubnet(ctx, name, cfg, privateTier, zone, SubnetCIDR(vpcRange, privateTier.slot+i), vpc, routes, opts...)
		if err != nil {
			return nil, err
		}
		n.PrivateSubnets = append(n.PrivateSubnets, private)
	}
	return n, nil
}

// tier is one kind of subnet: public (load balancers, NAT gateways) or private
// (nodes).
type tier struct {
	name string
	// slot is the first of the tier's subnets among SubnetCIDR's slots.
	slot int
	// roleTag is the tag the AWS load balancer integration picks subnets by.
	roleTag  string
	publicIP bool
}

var (
	publicTier  = tier{name: "public", slot: 0, roleTag: "kubernetes.io/role/elb", publicIP: true}
	privateTier = tier{name: "private", slot: privateSlot, roleTag: "kubernetes.io/role/internal-elb"}
)

// newSubnet creates a tier's subnet in a zone, tagged for the cluster, and
// routes it through the route table.
func newSubnet(ctx *pulumi.Context, name string, cfg model.EKSCluster, t tier, zone string, cidr netip.Prefix, vpc *ec2.Vpc, routes *ec2.RouteTable, opts ...pulumi.ResourceOption) (*ec2.Subnet, error) {
	resourceName := fmt.Sprintf("%s-%s-%s", name, t.name, zone)
	args := &ec2.SubnetArgs{
		VpcId:            vpc.ID(),
		AvailabilityZone: pulumi.String(zone),
		CidrBlock:        pulumi.String(cidr.String()),
		Tags: pulumi.StringMap{
			"Name":                              pulumi.Sprintf("%s-%s-%s", cfg.Name, t.name, zone),
			t.roleTag:                           pulumi.String("1"),
			"kubernetes.io/cluster/" + cfg.Name: pulumi.String("shared"),
		},
	}
	if t.publicIP {
		args.MapPublicIpOnLaunch = pulumi.Bool(true)
	}
	subnet, err := ec2.NewSubnet(ctx, resourceName, args, opts...)
	if err != nil {
		return nil, fmt.Errorf("eks %s: %s subnet %s: %w", name, t.name, zone, err)
	}
	if _, err := ec2.NewRouteTableAssociation(ctx, resourceName, &ec2.RouteTableAssociationArgs{
		SubnetId: subnet.ID(), RouteTableId: routes.ID(),
	}, opts...); err != nil {
		return nil, fmt.Errorf("eks %s: %s route %s: %w", name, t.name, zone, err)
	}
	return subnet, nil
}

// newRouteTable creates a route table whose default route (0.0.0.0/0) is route.
func newRouteTable(ctx *pulumi.Context, name string, vpc *ec2.Vpc, route *ec2.RouteTableRouteArgs, opts ...pulumi.ResourceOption) (*ec2.RouteTable, error) {
	route.CidrBlock = pulumi.String("0.0.0.0/0")
	return ec2.NewRouteTable(ctx, name, &ec2.RouteTableArgs{
		VpcId:  vpc.ID(),
		Routes: ec2.RouteTableRouteArray{route},
	}, opts...)
}

func newNATGateway(ctx *pulumi.Context, name string, publicSubnet *ec2.Subnet, opts ...pulumi.ResourceOption) (*ec2.NatGateway, error) {
	address, err := ec2.NewEip(ctx, name+"-nat", &ec2.EipArgs{Domain: pulumi.String("vpc")}, opts...)
	if err != nil {
		return nil, fmt.Errorf("nat address %s: %w", name, err)
	}
	nat, err := ec2.NewNatGateway(ctx, name, &ec2.NatGatewayArgs{
		AllocationId: address.ID(),
		SubnetId:     publicSubnet.ID(),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("nat gateway %s: %w", name, err)
	}
	return nat, nil
}

// SubnetCIDR is the slot-th of the 16 equal subnets of an IPv4 VPC range.
func SubnetCIDR(vpc netip.Prefix, slot int) netip.Prefix {
	bits := vpc.Bits() + subnetBits
	base := vpc.Masked().Addr().As4()
	start := binary.BigEndian.Uint32(base[:]) + uint32(slot)<<(32-bits)
	var addr [4]byte
	binary.BigEndian.PutUint32(addr[:], start)
	return netip.PrefixFrom(netip.AddrFrom4(addr), bits)
}
