// Package dex reads Android DEX files (versions 035 to 041) and reduces them
// to the facts the scanner's code rules need: the string, type, field and
// method tables; every class with its interfaces, source file and the string
// values of its static fields; and for every method the strings it loads,
// the methods it calls with the constant arguments of each call, the fields
// it reads and writes, the payloads of its fill-array-data instructions, and
// whether its whole body returns one constant.
//
// Constants are found by a linear walk over the instructions with a small
// table from register to the last constant written to it; there is no
// control-flow analysis, so a constant set on one branch may be reported at
// a call on another.
//
// Parse reads untrusted bytes. Every count, offset and length is checked
// against the input before it is used, the work and the memory of a parse
// are bounded by Limits and proportional to the input, and the result holds
// no reference to the input. A problem confined to one class or one method
// becomes a Warning and the rest of the file is still read.
package dex

import (
	"errors"
	"fmt"
)

// Errors that callers act on. Every error of Parse wraps one of them.
var (
	// ErrNotDex means the input does not start with a DEX magic.
	ErrNotDex = errors.New("not a DEX file")
	// ErrUnsupported means a DEX variant this package does not read:
	// compact DEX, a version outside 035..041, or big-endian byte order.
	ErrUnsupported = errors.New("unsupported DEX file")
	// ErrFormat wraps every structural error of a DEX file.
	ErrFormat = errors.New("malformed DEX file")
	// ErrLimit means the file exceeds one of the Limits.
	ErrLimit = errors.New("DEX file exceeds limit")
)

// Limits bound what Parse accepts. Zero fields take the values of
// DefaultLimits; exceeding a limit fails the parse with ErrLimit.
type Limits struct {
	// MaxFileSize caps the size of the input, in bytes.
	MaxFileSize int64
	// MaxStrings caps the number of entries of the string table.
	MaxStrings int
	// MaxClasses caps the number of class definitions.
	MaxClasses int
	// MaxCodeUnits caps the 16-bit instruction units decoded across all
	// methods of the file.
	MaxCodeUnits int64
}

// DefaultLimits fit the largest DEX files of real apps with a wide margin:
// one DEX file holds at most 65,536 method and type references, which in
// practice means under 12 MiB, a few hundred thousand strings and a few
// million code units.
var DefaultLimits = Limits{
	MaxFileSize:  512 << 20,
	MaxStrings:   4_000_000,
	MaxClasses:   1 << 20,
	MaxCodeUnits: 1 << 25,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxFileSize > 0 {
		d.MaxFileSize = l.MaxFileSize
	}
	if l.MaxStrings > 0 {
		d.MaxStrings = l.MaxStrings
	}
	if l.MaxClasses > 0 {
		d.MaxClasses = l.MaxClasses
	}
	if l.MaxCodeUnits > 0 {
		d.MaxCodeUnits = l.MaxCodeUnits
	}
	return d
}

// File is what Parse reads from one DEX file. Strings of the other tables
// and of the classes share memory with Strings and Types; a File holds no
// reference to the input bytes.
type File struct {
	// Version is the three-digit format version, e.g. "035".
	Version string
	// Strings is the string table, decoded from MUTF-8; invalid sequences
	// are replaced by U+FFFD.
	Strings []string
	// Types are the type descriptors, e.g. "Lcom/example/Foo;" or "[B".
	Types []string
	// Methods are the method references of the file, called by index.
	Methods []MethodRef
	// Fields are the field references of the file, read and written by
	// index.
	Fields []FieldRef
	// Classes are the classes defined by the file.
	Classes []Class
	// Warnings are problems that did not stop the parse, e.g. a class
	// whose code could not be decoded, or a checksum mismatch. The first
	// 100 are kept, then one line counts the rest.
	Warnings []string
}

// MethodRef is one entry of the method table.
type MethodRef struct {
	// Class is the descriptor of the declaring class as written in the
	// reference (the class named at the call site, not necessarily the one
	// that defines the method).
	Class string
	// Name is the method's name, e.g. "getInstance" or "<init>".
	Name string
	// Proto is the method's descriptor, e.g. "(Ljava/lang/String;I)V".
	Proto string
}

// FieldRef is one entry of the field table.
type FieldRef struct {
	// Class is the descriptor of the class named in the reference.
	Class string
	// Name is the field's name.
	Name string
	// Type is the field's type descriptor.
	Type string
}

// Class is one class definition with the methods it defines.
type Class struct {
	// Name is the class's type descriptor.
	Name string
	// Super is the superclass descriptor, "" for java.lang.Object itself.
	Super string
	// Interfaces are the descriptors of the directly implemented
	// interfaces.
	Interfaces []string
	// Access holds the ACC_* flags.
	Access uint32
	// SourceFile is the name of the source file, "" when absent.
	SourceFile string
	// Methods are the direct methods then the virtual methods.
	Methods []Method
	// StaticStrings are the string values among the initial values of the
	// static fields (static final String constants), in field order.
	StaticStrings []string
}

// Method is one method defined by a class, with the facts of its code.
type Method struct {
	// Name and Proto are the method's name and descriptor, shared with
	// its MethodRef.
	Name, Proto string
	// Access holds the ACC_* flags.
	Access uint32
	// CodeUnits is the length of the code in 16-bit units; 0 for abstract
	// and native methods.
	CodeUnits int
	// Strings are the indices into File.Strings loaded by const-string and
	// const-string/jumbo, in order of first use.
	Strings []uint32
	// Calls are the invoke instructions, in order. invoke-custom has no
	// method reference and is not listed.
	Calls []Call
	// FieldReads are the indices into File.Fields read by iget* and sget*,
	// in order of first use.
	FieldReads []uint32
	// FieldWrites are the indices into File.Fields written by iput* and
	// sput*, in order of first use.
	FieldWrites []uint32
	// ArrayData are the element bytes of the fill-array-data payloads used
	// by the method (little-endian, as in the file), each cut to
	// MaxArrayData bytes, at most MaxArrays of them.
	ArrayData [][]byte
	// ReturnsConstInt is set when the whole body is one constant load and
	// a return of that register, e.g. "const/4 v0, 1; return v0" (a method
	// that always returns true). For return-object the constant is 0, null.
	ReturnsConstInt *int64
}

// Caps on the array payloads kept per method.
const (
	// MaxArrayData is the most bytes kept of one fill-array-data payload.
	MaxArrayData = 4 << 10
	// MaxArrays is the most payloads kept per method.
	MaxArrays = 64
)

// Call is one invoke instruction.
type Call struct {
	// Method is the index into File.Methods of the invoked method.
	Method uint32
	// Args has one entry per argument register of the invoke, in order;
	// for instance methods Args[0] is the receiver, and a long or double
	// argument takes two entries (its constant is in the first). Args is
	// nil when no argument is a known constant.
	Args []Const
}

// ConstKind says what a Const holds.
type ConstKind uint8

// Kinds of Const.
const (
	// ConstNone is a register whose value is not a known constant.
	ConstNone ConstKind = iota
	// ConstString is a string loaded by const-string; Str is its index.
	ConstString
	// ConstInt is a number loaded by a const instruction; Int holds its
	// bits (the raw bits for float and double literals).
	ConstInt
)

// Const is the constant value of a register at an invoke.
type Const struct {
	Kind ConstKind
	// Str is the index into File.Strings, for ConstString.
	Str uint32
	// Int is the literal, for ConstInt.
	Int int64
}

// formatErr returns an ErrFormat with context.
func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// limitErr returns an ErrLimit with context.
func limitErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrLimit, fmt.Sprintf(format, args...))
}
