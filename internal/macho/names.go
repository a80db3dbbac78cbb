package macho

import "fmt"

// CPU types and the bits that mark their 64-bit variants.
const (
	cpuArch64    = 0x01000000
	cpuArch64_32 = 0x02000000
	cpuX86       = 7
	cpuARM       = 12
	cpuPPC       = 18

	cpuSubtypeMask = 0xff000000 // capability bits of cpusubtype
)

// armSubtypes name the 32-bit ARM subtypes.
var armSubtypes = map[uint32]string{
	0: "arm", 5: "armv4t", 6: "armv6", 7: "armv5", 8: "xscale", 9: "armv7",
	10: "armv7f", 11: "armv7s", 12: "armv7k", 13: "armv8", 14: "armv6m",
	15: "armv7m", 16: "armv7em",
}

// cpuName names a cputype/cpusubtype pair as Apple's tools (lipo, otool) do.
func cpuName(cputype, cpusubtype uint32) string {
	sub := cpusubtype &^ cpuSubtypeMask
	switch cputype {
	case cpuARM:
		if n, ok := armSubtypes[sub]; ok {
			return n
		}
	case cpuARM | cpuArch64:
		switch sub {
		case 0:
			return "arm64"
		case 1:
			return "arm64v8"
		case 2:
			return "arm64e"
		}
	case cpuARM | cpuArch64_32:
		return "arm64_32"
	case cpuX86:
		return "i386"
	case cpuX86 | cpuArch64:
		if sub == 8 {
			return "x86_64h"
		}
		return "x86_64"
	case cpuPPC:
		return "ppc"
	case cpuPPC | cpuArch64:
		return "ppc64"
	}
	return fmt.Sprintf("unknown(%#x/%#x)", cputype, cpusubtype)
}

// fileTypes name the mach_header filetype values.
var fileTypes = map[uint32]string{
	1: "object", 2: "executable", 3: "fvmlib", 4: "core", 5: "preload",
	6: "dylib", 7: "dylinker", 8: "bundle", 9: "dylib stub", 10: "dsym",
	11: "kext bundle", 12: "fileset",
}

func typeName(t uint32) string {
	if n, ok := fileTypes[t]; ok {
		return n
	}
	return fmt.Sprintf("unknown(%d)", t)
}

// platforms name the LC_BUILD_VERSION platform values.
var platforms = map[uint32]string{
	1: "macos", 2: "ios", 3: "tvos", 4: "watchos", 5: "bridgeos",
	6: "maccatalyst", 7: "iossimulator", 8: "tvossimulator",
	9: "watchossimulator", 10: "driverkit", 11: "visionos",
	12: "visionossimulator",
}

func platformName(p uint32) string {
	if n, ok := platforms[p]; ok {
		return n
	}
	return fmt.Sprintf("unknown(%d)", p)
}

// versionMinPlatform infers the platform from an LC_VERSION_MIN_* command.
func versionMinPlatform(cmd uint32) string {
	switch cmd {
	case lcVersionMinMacOSX:
		return "macos"
	case lcVersionMinIPhone:
		return "ios"
	case lcVersionMinTVOS:
		return "tvos"
	case lcVersionMinWatchOS:
		return "watchos"
	}
	return ""
}

// versionString formats a version packed as xxxx.yy.zz nibbles: "x.y", or
// "x.y.z" when z is not zero.
func versionString(v uint32) string {
	x, y, z := v>>16, v>>8&0xff, v&0xff
	if z == 0 {
		return fmt.Sprintf("%d.%d", x, y)
	}
	return fmt.Sprintf("%d.%d.%d", x, y, z)
}
