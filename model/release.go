package model

// The release is defined here once. Its tags are the stack config's keys:
// the model decodes services[] into it, promotion and rollback carry it
// between environments (package release), the stack-file editor writes it
// back by the same keys, and the plain-words change list names each field by
// its `change` tag. A new release setting is a field here (and its check in
// decodeCanary or decodeBlueGreen); nothing else spells it.

// Release is the part of a service that moves between environments: the image
// of a recreate or ramped service, or a blue/green pair's or a canary's state.
// Everything else about a service belongs to its environment.
type Release struct {
	Image     string             `json:"image,omitempty" yaml:"image,omitempty" change:"image"`
	BlueGreen *BlueGreenSettings `json:"blueGreen,omitempty" yaml:"blueGreen,omitempty"`
	Canary    *CanarySettings    `json:"canary,omitempty" yaml:"canary,omitempty"`
}

// BlueGreenSettings run two colours side by side; Active receives all traffic.
type BlueGreenSettings struct {
	BlueImage  string `json:"blueImage" yaml:"blueImage" change:"blue image"`
	GreenImage string `json:"greenImage" yaml:"greenImage" change:"green image"`
	Active     Colour `json:"active" yaml:"active" change:"active"`
}

// Idle is the colour that receives no traffic.
func (b BlueGreenSettings) Idle() Colour {
	if b.Active == Blue {
		return Green
	}
	return Blue
}

// Image is where the pair keeps a colour's image.
func (b *BlueGreenSettings) Image(c Colour) *string {
	if c == Green {
		return &b.GreenImage
	}
	return &b.BlueImage
}

// CanarySettings run a stable and a canary track. Requests matching Match go to the
// canary, and Weight percent of the rest.
type CanarySettings struct {
	StableImage string      `json:"stableImage" yaml:"stableImage" change:"stable image"`
	CanaryImage string      `json:"canaryImage" yaml:"canaryImage" change:"canary image"`
	Weight      int         `json:"weight" yaml:"weight" change:"canary,percent"`
	Match       HeaderMatch `json:"match" yaml:"match" change:"match"`
}

// HeaderMatch matches a request header exactly, by prefix or by RE2 regex; exactly
// one of them is set.
type HeaderMatch struct {
	Header string `json:"header" yaml:"header"`
	Exact  string `json:"exact,omitempty" yaml:"exact,omitempty"`
	Prefix string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	Regex  string `json:"regex,omitempty" yaml:"regex,omitempty"`
}

// Copy is a deep copy: releases taken out of one model are edited for another.
func (r Release) Copy() Release {
	if r.BlueGreen != nil {
		b := *r.BlueGreen
		r.BlueGreen = &b
	}
	if r.Canary != nil {
		c := *r.Canary
		r.Canary = &c
	}
	return r
}
