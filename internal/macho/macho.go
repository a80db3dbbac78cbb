// Package macho reports the security-relevant properties of Mach-O files,
// first of all the binaries inside iOS apps (Payload/<name>.app/<name> and
// the frameworks and dylibs next to it): for every architecture slice,
// whether the executable is position independent, which runtime calls show
// stack canaries and ARC, whether the binary is Swift or Objective-C,
// FairPlay-encrypted or stripped; the libraries and run-path search paths
// it loads; its minimum OS version; its code signature (identifier, team,
// entitlements); its undefined symbols, and the literal strings of its
// __cstring and __ustring sections for the secret detectors.
//
// Inspect reads untrusted bytes. It parses the fat header, the Mach-O
// header, the load commands, the symbol table and the code signature
// itself rather than through debug/macho, which is not hardened against
// hostile input: every count, offset and size is checked against the input
// before it is used, and results are capped by Limits.
package macho

import (
	"errors"
	"fmt"
	"slices"
)

// Errors that callers act on.
var (
	// ErrNotMachO means the input starts with none of the Mach-O or fat
	// magic numbers (or with the fat magic and an architecture count that
	// rather makes it a Java class file).
	ErrNotMachO = errors.New("not a Mach-O file")
	// ErrFormat wraps every structural error of a Mach-O file.
	ErrFormat = errors.New("malformed Mach-O file")
	// ErrTooLarge means the input exceeds Limits.MaxSize.
	ErrTooLarge = errors.New("Mach-O file too large")
)

// Limits bound what Inspect reads and returns. Zero fields take the values
// of DefaultLimits.
type Limits struct {
	// MaxSize caps the size of the input, in bytes.
	MaxSize int64
	// MaxStrings caps the number of entries of Arch.Strings.
	MaxStrings int
	// MaxStringLen caps the length of one string, in bytes; longer strings
	// are truncated to it.
	MaxStringLen int
	// MaxSymbols caps the number of entries of Arch.Imports.
	MaxSymbols int
	// MaxEntitlementsSize caps the size of the XML entitlements blob that
	// is decoded, in bytes; larger blobs are skipped with a warning.
	MaxEntitlementsSize int
}

// DefaultLimits fit the largest app binaries seen in practice (fat game
// and browser executables reach a few hundred MB) while keeping the result
// small enough to hold for every binary of an app.
var DefaultLimits = Limits{
	MaxSize:             1 << 30,
	MaxStrings:          100_000,
	MaxStringLen:        4096,
	MaxSymbols:          50_000,
	MaxEntitlementsSize: 1 << 20,
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
	if l.MaxEntitlementsSize > 0 {
		d.MaxEntitlementsSize = l.MaxEntitlementsSize
	}
	return d
}

// File is what Inspect learns about one Mach-O file.
type File struct {
	// Fat reports a universal (fat) file; its slices are in Arches, in the
	// order of the fat header.
	Fat bool
	// Arches has one entry per architecture slice; a thin file has one.
	Arches []Arch
}

// Arch is what Inspect learns about one architecture slice.
type Arch struct {
	// CPU names the architecture as Apple's tools do: "arm64", "arm64e",
	// "armv7", "armv7s", "x86_64", "i386", ..., or "unknown(<type>/<sub>)".
	CPU string
	// Bits is 32 or 64 (0 for a slice that could not be read).
	Bits int
	// Type is the file type: "executable", "dylib", "bundle", "object",
	// "dylinker", "dsym", ..., or "unknown(<filetype>)".
	Type string
	// Flags are the mach_header flags (MH_PIE, MH_ALLOW_STACK_EXECUTION...).
	Flags uint32

	// PIE reports the MH_PIE flag. Only executables carry it: dylibs and
	// bundles are position independent by nature.
	PIE bool
	// StackCanary reports an import of ___stack_chk_fail or
	// ___stack_chk_guard.
	StackCanary bool
	// ARC reports an import of the Objective-C runtime calls that only the
	// compiler emits under automatic reference counting (_objc_release,
	// _objc_retain, _objc_storeStrong, ...). Swift code is reference
	// counted by construction and does not need them.
	ARC bool
	// Swift reports a linked libswiftCore or a __swift5_* section.
	Swift bool
	// ObjC reports a linked libobjc, an import of _objc_msgSend or an
	// Objective-C class, category or protocol list section.
	ObjC bool
	// HasEncryptionInfo reports an LC_ENCRYPTION_INFO(_64) command.
	HasEncryptionInfo bool
	// CryptID is its cryptid: non-zero means the FairPlay-encrypted range
	// is still encrypted (an App Store binary not yet decrypted).
	CryptID uint32
	// Stripped reports a symbol table without local symbols: only
	// external definitions and undefined symbols (and the marker that
	// strip(1) leaves), or no symbol table at all.
	Stripped bool

	// RPaths are the LC_RPATH paths, in order.
	RPaths []string
	// Libraries are the paths of the LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB,
	// LC_REEXPORT_DYLIB, LC_LAZY_LOAD_DYLIB and LC_LOAD_UPWARD_DYLIB
	// commands, in order.
	Libraries []string
	// Imports are the undefined external symbols as the file spells them
	// (leading underscore kept), sorted and deduplicated; past
	// Limits.MaxSymbols, the first ones of the symbol table are kept. The
	// properties above that depend on imports see all of them.
	Imports []string

	// MinOS is the minimum OS version from LC_BUILD_VERSION or else an
	// LC_VERSION_MIN_* command, as "x.y" or "x.y.z"; "" if absent.
	MinOS string
	// Platform is "ios", "macos", "iossimulator", "maccatalyst", "tvos",
	// "watchos", "visionos", ... from LC_BUILD_VERSION, or inferred from
	// the LC_VERSION_MIN_* command; "" if absent.
	Platform string

	// Signed reports an LC_CODE_SIGNATURE whose SuperBlob parses and holds
	// a CodeDirectory that parses. It says nothing about the validity of
	// the signature.
	Signed bool
	// CodeSignatureID is the identifier of the CodeDirectory.
	CodeSignatureID string
	// TeamID is the team identifier of the CodeDirectory (version 0x20200
	// and later), when present.
	TeamID string
	// Entitlements are the XML entitlements of the signature, decoded; nil
	// when there are none (DER entitlements alone are not decoded).
	Entitlements map[string]any

	// Strings are the literal strings of __TEXT,__cstring (NUL-terminated,
	// at least 6 bytes) and __TEXT,__ustring (UTF-16, at least 6
	// characters), valid UTF-8 without control characters other than tab
	// and line breaks, deduplicated, in file order, capped by
	// Limits.MaxStrings and truncated to Limits.MaxStringLen. The C strings
	// that __DATA,__cfstring refers to live in those two sections and are
	// therefore included.
	Strings []string

	// Err says why this slice could not be read, when other slices of a
	// fat file could; the other fields are then empty but CPU.
	Err string
	// Warnings explain properties that could not be established and caps
	// that were reached.
	Warnings []string
}

// ImportsAny returns the imports of a that are keys of set (one of the
// tables BannedFunctions, WeakCrypto, InsecureRandom, Logging, or the
// caller's own), sorted.
func (a *Arch) ImportsAny(set map[string]string) []string {
	var out []string
	for _, s := range a.Imports {
		if _, ok := set[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

func (a *Arch) warnf(format string, args ...any) {
	const maxWarnings = 32
	w := fmt.Sprintf(format, args...)
	if slices.Contains(a.Warnings, w) {
		return
	}
	if len(a.Warnings) < maxWarnings {
		a.Warnings = append(a.Warnings, w)
	}
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}
