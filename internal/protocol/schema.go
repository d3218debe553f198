package protocol

// AttrType names the type of a config attribute, written as in HCL type
// constraints.
type AttrType string

// Attribute types a plugin may declare in its config schema.
const (
	TypeString     AttrType = "string"
	TypeNumber     AttrType = "number"
	TypeBool       AttrType = "bool"
	TypeListString AttrType = "list(string)"
	TypeMapString  AttrType = "map(string)"
)

// Nesting says how often a nested block may appear.
type Nesting string

// Block nesting modes.
const (
	// NestingSingle allows the block at most once; it decodes to an object.
	NestingSingle Nesting = "single"
	// NestingList allows the block any number of times; it decodes to a list
	// of objects in source order.
	NestingList Nesting = "list"
	// NestingMap takes one label per block; it decodes to an object keyed by
	// that label, with the keys in source order.
	NestingMap Nesting = "map"
)

// Schema is the HCL shape of a plugin's config {} block. The host checks the
// admin's block against it (unknown names, missing required names and type
// mismatches are reported with file:line:col) before the plugin is configured,
// and hands the decoded value to Configure as JSON.
type Schema struct {
	Attributes []Attribute `json:"attributes,omitempty"`
	Blocks     []Block     `json:"blocks,omitempty"`
}

// Attribute is one attribute of a config block.
type Attribute struct {
	Name     string   `json:"name"`
	Type     AttrType `json:"type"`
	Required bool     `json:"required,omitempty"`
	// Sensitive marks values (client secrets, tokens) that the host must
	// never print or log.
	Sensitive   bool   `json:"sensitive,omitempty"`
	Description string `json:"description,omitempty"`
}

// Block is a nested block type of a config block.
type Block struct {
	Name        string  `json:"name"`
	Nesting     Nesting `json:"nesting"`
	Required    bool    `json:"required,omitempty"`
	Description string  `json:"description,omitempty"`
	// Label names the block label for NestingMap (for documentation and
	// error messages), for example "name" in `resolver "name" { ... }`.
	Label  string `json:"label,omitempty"`
	Schema Schema `json:"schema"`
}
