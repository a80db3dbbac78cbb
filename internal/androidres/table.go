package androidres

import (
	"fmt"
	"slices"
	"unicode/utf16"
)

// TableLimits bound a resource table. Zero fields take defaults.
type TableLimits struct {
	MaxSize    int // bytes; default 256 MiB
	MaxChunks  int // chunks inside one package; default 1,000,000
	MaxEntries int // entries across all type chunks; default 10,000,000
}

func (l TableLimits) withDefaults() TableLimits {
	if l.MaxSize <= 0 {
		l.MaxSize = 256 << 20
	}
	if l.MaxChunks <= 0 {
		l.MaxChunks = 1_000_000
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = 10_000_000
	}
	return l
}

// Table is a decoded resources.arsc.
type Table struct {
	// Strings is the global value string pool (every string resource of
	// the app and its libraries).
	Strings  *StringPool
	Packages []*Package
}

// Package is one package of a resource table (the app's, usually 0x7f).
type Package struct {
	ID    uint32
	Name  string
	types *StringPool
	keys  *StringPool
	// configs of entries, by type id (1-based) then entry index.
	entries map[uint8]map[uint16][]Entry
}

// Entry is one value of a resource in one configuration.
type Entry struct {
	// Key is the resource's name within its type, e.g. "app_name".
	Key string
	// Value is the value of a simple entry.
	Value Value
	// Complex is true for bag entries (styles, arrays, plurals); Value is
	// then empty and Items holds the bag.
	Complex bool
	Items   []Value
	// Default is true when the entry belongs to the default configuration.
	Default bool
}

// Resource flags.
const (
	entryFlagComplex = 0x0001
	entryFlagCompact = 0x0008
	typeFlagSparse   = 0x01
	typeFlagOffset16 = 0x02
	noEntry32        = 0xffffffff
	noEntry16        = 0xffff
)

// IsTable reports whether b starts like a resource table.
func IsTable(b []byte) bool {
	return len(b) >= 8 && b[0] == 0x02 && b[1] == 0x00 && b[2] == 0x0c && b[3] == 0x00
}

// ParseTable decodes a resource table.
func ParseTable(b []byte, lim TableLimits) (*Table, error) {
	lim = lim.withDefaults()
	if len(b) > lim.MaxSize {
		return nil, formatErr("resource table: %d bytes, limit %d", len(b), lim.MaxSize)
	}
	root, err := readChunk(b, 0)
	if err != nil {
		return nil, err
	}
	if root.typ != chunkTable {
		return nil, formatErr("resource table: file chunk type 0x%04x, want 0x0002", root.typ)
	}
	chunks, err := root.children(lim.MaxChunks)
	if err != nil {
		return nil, err
	}
	t := &Table{}
	budget := lim.MaxEntries
	for _, c := range chunks {
		switch c.typ {
		case chunkStringPool:
			if t.Strings != nil {
				continue
			}
			if t.Strings, err = parseStringPool(c); err != nil {
				return nil, fmt.Errorf("global strings: %w", err)
			}
		case chunkTablePackage:
			p, err := parsePackage(c, t.Strings, lim, &budget)
			if err != nil {
				return nil, err
			}
			t.Packages = append(t.Packages, p)
		}
	}
	return t, nil
}

func parsePackage(c chunk, global *StringPool, lim TableLimits, budget *int) (*Package, error) {
	// id u32, name [128]u16, typeStrings u32, lastPublicType u32, keyStrings u32, lastPublicKey u32
	const minHeader = 8 + 4 + 256 + 16
	if c.headerSize < minHeader {
		return nil, formatErr("package at %d: header size %d below %d", c.offset, c.headerSize, minHeader)
	}
	id, _ := u32(c.data, 8)
	units := make([]uint16, 0, 128)
	for i := range 128 {
		u, _ := u16(c.data, 12+2*i)
		if u == 0 {
			break
		}
		units = append(units, u)
	}
	p := &Package{ID: id, Name: string(utf16.Decode(units)), entries: make(map[uint8]map[uint16][]Entry)}
	typeOff, _ := u32(c.data, 268)
	keyOff, _ := u32(c.data, 276)
	var err error
	if p.types, err = poolAt(c, typeOff); err != nil {
		return nil, fmt.Errorf("package %s: type strings: %w", p.Name, err)
	}
	if p.keys, err = poolAt(c, keyOff); err != nil {
		return nil, fmt.Errorf("package %s: key strings: %w", p.Name, err)
	}
	children, err := c.children(lim.MaxChunks)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", p.Name, err)
	}
	for _, ch := range children {
		if ch.typ != chunkTableType {
			continue
		}
		if err := p.parseType(ch, global, budget); err != nil {
			return nil, fmt.Errorf("package %s: %w", p.Name, err)
		}
	}
	return p, nil
}

func poolAt(c chunk, off uint32) (*StringPool, error) {
	if off == 0 {
		return nil, nil
	}
	ch, err := readChunk(c.data, int(min(off, uint32(c.size))))
	if err != nil {
		return nil, err
	}
	return parseStringPool(ch)
}

func (p *Package) parseType(c chunk, global *StringPool, budget *int) error {
	// id u8, flags u8, reserved u16, entryCount u32, entriesStart u32, config...
	if c.headerSize < 20 {
		return formatErr("type chunk at %d: header size %d below 20", c.offset, c.headerSize)
	}
	typeID := c.data[8]
	flags := c.data[9]
	count, _ := u32(c.data, 12)
	entriesStart, _ := u32(c.data, 16)
	if typeID == 0 {
		return formatErr("type chunk at %d: type id 0", c.offset)
	}
	isDefault := defaultConfig(c)
	idxOff := c.headerSize
	width := 4
	switch {
	case flags&typeFlagSparse != 0:
		width = 4 // u16 index, u16 offset/4
	case flags&typeFlagOffset16 != 0:
		width = 2
	}
	if uint64(count)*uint64(width) > uint64(c.size-idxOff) {
		return formatErr("type chunk at %d: %d entries do not fit", c.offset, count)
	}
	if uint64(entriesStart) > uint64(c.size) {
		return formatErr("type chunk at %d: entries start %d past end", c.offset, entriesStart)
	}
	*budget -= int(count)
	if *budget < 0 {
		return formatErr("resource table: too many entries")
	}
	byIndex := p.entries[typeID]
	if byIndex == nil {
		byIndex = make(map[uint16][]Entry)
		p.entries[typeID] = byIndex
	}
	for i := range int(count) {
		var index uint32
		var off uint32
		switch {
		case flags&typeFlagSparse != 0:
			idx, _ := u16(c.data, idxOff+4*i)
			o, _ := u16(c.data, idxOff+4*i+2)
			index, off = uint32(idx), uint32(o)*4
		case flags&typeFlagOffset16 != 0:
			o, _ := u16(c.data, idxOff+2*i)
			if o == noEntry16 {
				continue
			}
			index, off = uint32(i), uint32(o)*4
		default:
			o, _ := u32(c.data, idxOff+4*i)
			if o == noEntry32 {
				continue
			}
			index, off = uint32(i), o
		}
		if index > 0xffff {
			continue
		}
		e, err := parseEntry(c.data, int64(entriesStart)+int64(off), p.keys, global)
		if err != nil {
			return fmt.Errorf("type %d entry %d: %w", typeID, index, err)
		}
		e.Default = isDefault
		byIndex[uint16(index)] = append(byIndex[uint16(index)], e)
	}
	return nil
}

// defaultConfig reports whether a type chunk's ResTable_config is all zero
// after its size field (the default configuration).
func defaultConfig(c chunk) bool {
	size, ok := u32(c.data, 20)
	if !ok || size < 4 || int64(20)+int64(size) > int64(c.headerSize) {
		return false
	}
	for _, b := range c.data[24 : 20+int(size)] {
		if b != 0 {
			return false
		}
	}
	return true
}

func parseEntry(b []byte, off64 int64, keys, global *StringPool) (Entry, error) {
	if off64 < 0 || off64+8 > int64(len(b)) {
		return Entry{}, formatErr("entry at %d: truncated", off64)
	}
	off := int(off64)
	size, _ := u16(b, off)
	flags, _ := u16(b, off+2)
	if flags&entryFlagCompact != 0 {
		// Compact entry: key index u16 in size, type in flags' high byte, data u32.
		key, _ := keys.Get(uint32(size))
		data, _ := u32(b, off+4)
		v := Value{Type: uint8(flags >> 8), Data: data}
		if v.Type == TypeString {
			v.Str, _ = global.Get(data)
		}
		return Entry{Key: key, Value: v}, nil
	}
	keyRef, _ := u32(b, off+4)
	key, _ := keys.Get(keyRef)
	e := Entry{Key: key}
	if flags&entryFlagComplex != 0 {
		// parent u32, count u32, then count × (name u32, Res_value).
		count, ok := u32(b, off+12)
		if !ok {
			return Entry{}, formatErr("bag entry at %d: truncated", off)
		}
		first := off + int(size)
		if size < 16 || uint64(count)*12 > uint64(len(b)-min(first, len(b))) {
			return Entry{}, formatErr("bag entry at %d: %d items do not fit", off, count)
		}
		e.Complex = true
		e.Items = make([]Value, 0, count)
		for i := range int(count) {
			v, err := parseResValue(b, first+12*i+4, global)
			if err != nil {
				return Entry{}, err
			}
			e.Items = append(e.Items, v)
		}
		return e, nil
	}
	if size < 8 {
		return Entry{}, formatErr("entry at %d: size %d below 8", off, size)
	}
	v, err := parseResValue(b, off+int(size), global)
	if err != nil {
		return Entry{}, err
	}
	e.Value = v
	return e, nil
}

// Lookup returns the values of resource id in every configuration, the
// default configuration first.
func (t *Table) Lookup(id uint32) []Entry {
	p := t.pkg(id >> 24)
	if p == nil {
		return nil
	}
	entries := p.entries[uint8(id>>16)][uint16(id)]
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if e.Default {
			out = append(out, e)
		}
	}
	for _, e := range entries {
		if !e.Default {
			out = append(out, e)
		}
	}
	return out
}

// Resolve follows references from v (at most 8 hops) to a value in the
// default configuration, or the first configuration that has one.
func (t *Table) Resolve(v Value) (Value, bool) {
	for range 8 {
		if !v.IsReference() {
			return v, true
		}
		entries := t.Lookup(v.Data)
		if len(entries) == 0 || entries[0].Complex {
			return v, false
		}
		v = entries[0].Value
	}
	return v, false
}

// Name returns "type/key" for a resource id, e.g. "xml/network_security_config".
func (t *Table) Name(id uint32) string {
	p := t.pkg(id >> 24)
	if p == nil {
		return ""
	}
	typ, _ := p.types.Get(uint32(id>>16&0xff) - 1)
	entries := p.entries[uint8(id>>16)][uint16(id)]
	if len(entries) == 0 {
		return ""
	}
	return typ + "/" + entries[0].Key
}

// NamedString is a string resource with its name.
type NamedString struct {
	Package string
	Name    string // key within the "string" type
	Value   string
}

// NamedStrings returns every simple string resource of a given type name (e.g.
// "string") in every configuration, in table order.
func (t *Table) NamedStrings(typeName string) []NamedString {
	var out []NamedString
	for _, p := range t.Packages {
		for i := range p.types.Len() {
			name, _ := p.types.Get(uint32(i))
			if name != typeName {
				continue
			}
			byIndex := p.entries[uint8(i+1)]
			for _, idx := range sortedKeys(byIndex) {
				for _, e := range byIndex[idx] {
					if !e.Complex && e.Value.Type == TypeString {
						out = append(out, NamedString{Package: p.Name, Name: e.Key, Value: e.Value.Str})
					}
				}
			}
		}
	}
	return out
}

func (t *Table) pkg(id uint32) *Package {
	if t == nil {
		return nil
	}
	for _, p := range t.Packages {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func sortedKeys(m map[uint16][]Entry) []uint16 {
	keys := make([]uint16, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
