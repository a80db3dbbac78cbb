package androidres

import (
	"fmt"
	"slices"
)

// Field numbers of the resource table messages of Resources.proto.
const (
	// ResourceTable
	pbTablePackage = 2
	// Package
	pbPkgID   = 1
	pbPkgName = 2
	pbPkgType = 3
	// Type
	pbTypeID    = 1
	pbTypeName  = 2
	pbTypeEntry = 3
	// Entry
	pbEntryID          = 1
	pbEntryName        = 2
	pbEntryConfigValue = 6
	// ConfigValue
	pbCVConfig = 1
	pbCVValue  = 2
	// Value
	pbValueItem     = 4
	pbValueCompound = 5
	// CompoundValue
	pbCompoundStyle  = 2
	pbCompoundArray  = 4
	pbCompoundPlural = 5
	// Style: entry = 3, Style.Entry: item = 4; Array: element = 1,
	// Array.Element: item = 3; Plural: entry = 1, Plural.Entry: item = 4.
	pbStyleEntry     = 3
	pbStyleEntryItem = 4
	pbArrayElement   = 1
	pbArrayElemItem  = 3
	pbPluralEntry    = 1
	pbPluralItem     = 4
)

// ParseProtoTable decodes a ResourceTable of aapt2's Resources.proto (the
// resources.pb of an App Bundle module) into a Table on which Lookup,
// Resolve, Name and NamedStrings work as for resources.arsc. A value in
// the default configuration (an empty Configuration) is marked Default;
// other configurations are kept, in file order, without their details.
// Table.Strings holds every string value, for detectors that scan text.
func ParseProtoTable(b []byte, lim TableLimits) (*Table, error) {
	lim = lim.withDefaults()
	if len(b) > lim.MaxSize {
		return nil, formatErr("proto resource table: %d bytes, limit %d", len(b), lim.MaxSize)
	}
	pt := &protoTable{budget: lim.MaxEntries}
	t := &Table{}
	err := fields(b, func(f field) error {
		if f.num != pbTablePackage {
			return nil
		}
		if err := f.wantBytes("resource table"); err != nil {
			return err
		}
		p, err := pt.pkg(f.b)
		if err != nil {
			return err
		}
		t.Packages = append(t.Packages, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.Strings = filledPool(pt.strings)
	return t, nil
}

// protoTable carries the state of one ParseProtoTable call.
type protoTable struct {
	budget  int
	strings []string
}

func (pt *protoTable) pkg(b []byte) (*Package, error) {
	p := &Package{entries: make(map[uint8]map[uint16][]Entry)}
	var typeNames []string
	err := fields(b, func(f field) error {
		switch f.num {
		case pbPkgID:
			if err := f.wantBytes("package"); err != nil {
				return err
			}
			id, err := uint32Field(f.b, "package id")
			if err != nil {
				return err
			}
			if id > 0xff {
				return formatErr("proto resource table: package id 0x%x above 0xff", id)
			}
			p.ID = id
		case pbPkgName:
			if err := f.wantBytes("package"); err != nil {
				return err
			}
			p.Name = f.str()
		case pbPkgType:
			if err := f.wantBytes("package"); err != nil {
				return err
			}
			id, name, err := pt.typ(p, f.b)
			if err != nil {
				return fmt.Errorf("package %s: %w", p.Name, err)
			}
			if id == 0 {
				return nil // no id assigned: not addressable, as in an intermediate table
			}
			if int(id) > len(typeNames) {
				typeNames = append(typeNames, make([]string, int(id)-len(typeNames))...)
			}
			typeNames[id-1] = name
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.types = filledPool(typeNames)
	return p, nil
}

// typ decodes a Type into p.entries and returns its id and name.
func (pt *protoTable) typ(p *Package, b []byte) (uint8, string, error) {
	var (
		id      uint32
		name    string
		entries [][]byte
	)
	err := fields(b, func(f field) error {
		switch f.num {
		case pbTypeID:
			if err := f.wantBytes("type"); err != nil {
				return err
			}
			n, err := uint32Field(f.b, "type id")
			if err != nil {
				return err
			}
			if n > 0xff {
				return formatErr("proto resource table: type id 0x%x above 0xff", n)
			}
			id = n
		case pbTypeName:
			if err := f.wantBytes("type"); err != nil {
				return err
			}
			name = f.str()
		case pbTypeEntry:
			if err := f.wantBytes("type"); err != nil {
				return err
			}
			entries = append(entries, f.b)
		}
		return nil
	})
	if err != nil || id == 0 {
		return 0, name, err
	}
	byIndex := p.entries[uint8(id)]
	if byIndex == nil {
		byIndex = make(map[uint16][]Entry)
		p.entries[uint8(id)] = byIndex
	}
	for i, eb := range entries {
		if err := pt.entry(byIndex, eb); err != nil {
			return 0, name, fmt.Errorf("type %s entry %d: %w", name, i, err)
		}
	}
	return uint8(id), name, nil
}

func (pt *protoTable) entry(byIndex map[uint16][]Entry, b []byte) error {
	var (
		id     uint32
		hasID  bool
		key    string
		values [][]byte
	)
	err := fields(b, func(f field) error {
		switch f.num {
		case pbEntryID:
			if err := f.wantBytes("entry"); err != nil {
				return err
			}
			n, err := uint32Field(f.b, "entry id")
			if err != nil {
				return err
			}
			if n > 0xffff {
				return formatErr("proto resource table: entry id 0x%x above 0xffff", n)
			}
			id, hasID = n, true
		case pbEntryName:
			if err := f.wantBytes("entry"); err != nil {
				return err
			}
			key = f.str()
		case pbEntryConfigValue:
			if err := f.wantBytes("entry"); err != nil {
				return err
			}
			values = append(values, f.b)
		}
		return nil
	})
	if err != nil || !hasID {
		return err
	}
	for _, cv := range values {
		pt.budget--
		if pt.budget < 0 {
			return formatErr("proto resource table: too many values")
		}
		e, err := pt.configValue(cv)
		if err != nil {
			return err
		}
		e.Key = key
		byIndex[uint16(id)] = append(byIndex[uint16(id)], e)
	}
	return nil
}

// configValue decodes a ConfigValue: the default configuration is an
// absent or empty Configuration message.
func (pt *protoTable) configValue(b []byte) (Entry, error) {
	e := Entry{Default: true}
	err := fields(b, func(f field) error {
		switch f.num {
		case pbCVConfig:
			if err := f.wantBytes("config value"); err != nil {
				return err
			}
			e.Default = len(f.b) == 0
		case pbCVValue:
			if err := f.wantBytes("config value"); err != nil {
				return err
			}
			return pt.value(&e, f.b)
		}
		return nil
	})
	return e, err
}

func (pt *protoTable) value(e *Entry, b []byte) error {
	return fields(b, func(f field) error {
		switch f.num {
		case pbValueItem:
			if err := f.wantBytes("value"); err != nil {
				return err
			}
			v, err := parseItem(f.b)
			if err != nil {
				return err
			}
			pt.note(v)
			e.Value, e.Complex, e.Items = v, false, nil
		case pbValueCompound:
			if err := f.wantBytes("value"); err != nil {
				return err
			}
			items, err := pt.compound(f.b)
			if err != nil {
				return err
			}
			e.Value, e.Complex, e.Items = Value{}, true, items
		}
		return nil
	})
}

// compound decodes the items of a style, array or plural; attributes and
// styleables have none.
func (pt *protoTable) compound(b []byte) ([]Value, error) {
	items := []Value{}
	// bag reads the items (field itemField) of repeated messages field
	// listField of a compound value.
	bag := func(b []byte, listField, itemField int) error {
		return fields(b, func(f field) error {
			if int(f.num) != listField {
				return nil
			}
			if err := f.wantBytes("compound value"); err != nil {
				return err
			}
			return fields(f.b, func(g field) error {
				if int(g.num) != itemField {
					return nil
				}
				if err := g.wantBytes("compound value entry"); err != nil {
					return err
				}
				pt.budget--
				if pt.budget < 0 {
					return formatErr("proto resource table: too many values")
				}
				v, err := parseItem(g.b)
				if err != nil {
					return err
				}
				pt.note(v)
				items = append(items, v)
				return nil
			})
		})
	}
	err := fields(b, func(f field) error {
		switch f.num {
		case pbCompoundStyle, pbCompoundArray, pbCompoundPlural:
			if err := f.wantBytes("compound value"); err != nil {
				return err
			}
		}
		switch f.num {
		case pbCompoundStyle:
			return bag(f.b, pbStyleEntry, pbStyleEntryItem)
		case pbCompoundArray:
			return bag(f.b, pbArrayElement, pbArrayElemItem)
		case pbCompoundPlural:
			return bag(f.b, pbPluralEntry, pbPluralItem)
		}
		return nil
	})
	return items, err
}

func (pt *protoTable) note(v Value) {
	if v.Type == TypeString {
		pt.strings = append(pt.strings, v.Str)
	}
}

// filledPool returns a StringPool that holds strs already decoded, so
// that proto tables answer through the same type as binary ones.
func filledPool(strs []string) *StringPool {
	decoded := make([]bool, len(strs))
	for i := range decoded {
		decoded[i] = true
	}
	return &StringPool{offsets: make([]uint32, len(strs)), cache: slices.Clip(strs), decoded: decoded}
}

// Resource is one resource of a package with its values in every
// configuration, the default configuration first.
type Resource struct {
	// ID is the resource id, 0xPPTTEEEE.
	ID uint32
	// Type is the name of its type, e.g. "string" or "xml".
	Type    string
	Entries []Entry
}

// Resources lists every resource of the package in id order, for tools
// that convert or dump a table.
func (p *Package) Resources() []Resource {
	typeIDs := make([]uint8, 0, len(p.entries))
	for id := range p.entries {
		typeIDs = append(typeIDs, id)
	}
	slices.Sort(typeIDs)
	var out []Resource
	for _, tid := range typeIDs {
		name, _ := p.types.Get(uint32(tid) - 1)
		byIndex := p.entries[tid]
		for _, idx := range sortedKeys(byIndex) {
			var entries []Entry
			for _, e := range byIndex[idx] {
				if e.Default {
					entries = append(entries, e)
				}
			}
			for _, e := range byIndex[idx] {
				if !e.Default {
					entries = append(entries, e)
				}
			}
			out = append(out, Resource{ID: p.ID<<24 | uint32(tid)<<16 | uint32(idx), Type: name, Entries: entries})
		}
	}
	return out
}
