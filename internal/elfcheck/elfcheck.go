// Package elfcheck reports the hardening properties and the strings of ELF
// files, first of all the native libraries that apps ship (lib/<abi>/*.so
// in an APK): whether the stack is non-executable, the code position
// independent, the stack protected by canaries, the relocations read-only
// after start (RELRO), libc calls fortified; which symbols the library
// imports and exports (JNI entry points among them); and the printable
// strings of its read-only data and of the whole file, for the secret
// detectors.
//
// Inspect reads untrusted bytes. Every header, count, offset and size is
// checked against the input before it is used, results are capped by
// Limits, and the one call into debug/elf (which is not hardened against
// hostile input) is made only after the headers it will read have been
// validated here.
package elfcheck

import (
	"errors"
	"fmt"
)

// Errors that callers act on.
var (
	// ErrNotELF means the input does not start with the ELF magic.
	ErrNotELF = errors.New("not an ELF file")
	// ErrFormat wraps every structural error of an ELF file.
	ErrFormat = errors.New("malformed ELF file")
	// ErrTooLarge means the input exceeds Limits.MaxSize.
	ErrTooLarge = errors.New("ELF file too large")
)

// Limits bound what Inspect returns. Zero fields take the values of
// DefaultLimits.
type Limits struct {
	// MaxSize caps the size of the input, in bytes.
	MaxSize int64
	// MaxStrings caps the number of entries of RodataStrings and, separately,
	// of AllStrings.
	MaxStrings int
	// MaxStringLen caps the length of one string, in bytes; longer strings
	// are truncated to it.
	MaxStringLen int
	// MaxSymbols caps the number of entries of Imports, Exports and
	// JNIExports each.
	MaxSymbols int
}

// DefaultLimits fit the largest native libraries of real apps (game
// engines and ML runtimes reach a few hundred MB) while keeping the result
// small enough to hold for every library of a package.
var DefaultLimits = Limits{
	MaxSize:      512 << 20,
	MaxStrings:   100_000,
	MaxStringLen: 4096,
	MaxSymbols:   50_000,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxSize > 0 {
		d.MaxSize = l.MaxSize
	}
	if l.MaxStrings > 0 {
		d.MaxStrings = l.MaxStrings
	}
	if l.MaxStringLen > 0 {
		d.MaxStringLen = l.MaxStringLen
	}
	if l.MaxSymbols > 0 {
		d.MaxSymbols = l.MaxSymbols
	}
	return d
}

// RELRO levels.
const (
	// RELROFull: the relocation tables and GOT are made read-only before the
	// program runs (PT_GNU_RELRO and immediate binding).
	RELROFull = "full"
	// RELROPartial: PT_GNU_RELRO without immediate binding; the PLT part of
	// the GOT stays writable.
	RELROPartial = "partial"
	// RELRONone: no PT_GNU_RELRO.
	RELRONone = "none"
)

// Info is what Inspect learns about one ELF file.
type Info struct {
	// Class is 32 or 64.
	Class int
	// Machine is the architecture in Go/Android terms ("arm", "arm64",
	// "x86", "x86_64", "mips", "mips64", "riscv64", ...), or
	// "unknown(<e_machine>)".
	Machine string
	// Type is "relocatable", "executable", "shared object",
	// "pie executable" (ET_DYN marked DF_1_PIE), "core" or "unknown(<e_type>)".
	Type string
	// Interpreter is the program interpreter named by PT_INTERP, if any.
	Interpreter string
	// Needed lists the DT_NEEDED libraries, in order.
	Needed []string

	// NX reports a PT_GNU_STACK program header without the execute flag.
	// Without PT_GNU_STACK NX is false and a warning says so: the loader
	// then decides, and older ones made the stack executable.
	NX bool
	// PIE reports ET_DYN: shared objects are position independent by
	// nature, executables when linked as PIE.
	PIE bool
	// StackCanary reports an import of __stack_chk_fail, __stack_chk_guard
	// or __intel_security_cookie.
	StackCanary bool
	// RELRO is RELROFull, RELROPartial or RELRONone.
	RELRO string
	// TextRel reports DT_TEXTREL (or DF_TEXTREL): relocations patch the code
	// segment, which must then be writable. Android refuses these since API 23.
	TextRel bool
	// Fortify reports an import of at least one FORTIFY_SOURCE checking
	// function (__*_chk).
	Fortify bool
	// Fortified lists the imported checking functions (__memcpy_chk, ...).
	Fortified []string
	// FortifiableUnchecked lists imported libc functions that have a checking
	// variant (memcpy, strcpy, sprintf, ...). It is filled whether or not
	// Fortify is set: compilers call the plain function where the size is
	// known to be safe, so a rule should weigh it together with Fortify.
	FortifiableUnchecked []string
	// Stripped reports the absence of a .symtab section.
	Stripped bool

	// Imports are the undefined dynamic symbols, sorted and deduplicated.
	Imports []string
	// Exports are the defined, visible dynamic function symbols, sorted and
	// deduplicated.
	Exports []string
	// JNIExports are the exports named Java_* and JNI_OnLoad/JNI_OnUnload,
	// sorted.
	JNIExports []string

	// RodataStrings are the NUL-terminated printable strings of at least 4
	// bytes of the read-only data sections (.rodata and the other allocated,
	// non-writable, non-executable PROGBITS sections, unwind tables
	// excepted), in file order. Without section headers, the read-only,
	// non-executable PT_LOAD segments are read instead.
	RodataStrings []string
	// AllStrings are the runs of at least 6 printable ASCII bytes of the
	// whole file (as strings(1) finds them), in file order.
	AllStrings []string

	// Warnings explain properties that could not be established and caps
	// that were reached.
	Warnings []string
}

func (in *Info) warnf(format string, args ...any) {
	const maxWarnings = 32
	w := fmt.Sprintf(format, args...)
	for _, have := range in.Warnings {
		if have == w {
			return
		}
	}
	if len(in.Warnings) < maxWarnings {
		in.Warnings = append(in.Warnings, w)
	}
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}
