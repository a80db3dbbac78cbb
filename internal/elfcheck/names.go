package elfcheck

import (
	"debug/elf"
	"fmt"
	"strings"
)

// machineName names e_machine the way Go and Android name architectures.
func machineName(m elf.Machine, class int) string {
	switch m {
	case elf.EM_ARM:
		return "arm"
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_386:
		return "x86"
	case elf.EM_X86_64:
		if class == 32 {
			return "x32"
		}
		return "x86_64"
	case elf.EM_MIPS, elf.EM_MIPS_RS3_LE:
		if class == 64 {
			return "mips64"
		}
		return "mips"
	case elf.EM_RISCV:
		if class == 32 {
			return "riscv32"
		}
		return "riscv64"
	case elf.EM_PPC:
		return "ppc"
	case elf.EM_PPC64:
		return "ppc64"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_SPARCV9:
		return "sparc64"
	case elf.EM_LOONGARCH:
		return "loong64"
	}
	return fmt.Sprintf("unknown(%d)", uint16(m))
}

// typeName names e_type; ET_DYN files flagged DF_1_PIE are executables.
func typeName(t elf.Type, pie bool) string {
	switch t {
	case elf.ET_REL:
		return "relocatable"
	case elf.ET_EXEC:
		return "executable"
	case elf.ET_DYN:
		if pie {
			return "pie executable"
		}
		return "shared object"
	case elf.ET_CORE:
		return "core"
	}
	return fmt.Sprintf("unknown(%d)", uint16(t))
}

// canarySymbols are the imports through which stack-protector code checks
// its canary (bionic and glibc; Intel's compiler).
var canarySymbols = map[string]bool{
	"__stack_chk_fail":        true,
	"__stack_chk_guard":       true,
	"__intel_security_cookie": true,
}

// fortifiable are libc functions for which FORTIFY_SOURCE (glibc or
// bionic) has a checking variant, the ones that copy, format or read into
// a caller's buffer.
var fortifiable = map[string]bool{
	"memcpy": true, "memmove": true, "mempcpy": true, "memset": true,
	"strcpy": true, "stpcpy": true, "strncpy": true, "stpncpy": true,
	"strcat": true, "strncat": true, "strlcpy": true, "strlcat": true,
	"sprintf": true, "snprintf": true, "vsprintf": true, "vsnprintf": true,
	"printf": true, "fprintf": true, "vprintf": true, "vfprintf": true,
	"dprintf": true, "vdprintf": true, "syslog": true, "vsyslog": true,
	"gets": true, "fgets": true, "fread": true, "read": true, "pread": true,
	"pread64": true, "recv": true, "recvfrom": true, "readlink": true,
	"readlinkat": true, "realpath": true, "getcwd": true,
	"wcscpy": true, "wcsncpy": true, "wcscat": true, "wcsncat": true,
	"wmemcpy": true, "wmemmove": true, "wmemset": true,
}

// isCheckingFunction reports a FORTIFY_SOURCE checking function:
// __<name>_chk (__memcpy_chk, __sprintf_chk, __strlen_chk, ...).
func isCheckingFunction(name string) bool {
	return len(name) > len("___chk") && strings.HasPrefix(name, "__") && strings.HasSuffix(name, "_chk")
}

// unwindSections hold exception-handling tables, not data: their bytes
// look like short strings ("zPLR") and would only add noise.
var unwindSections = map[string]bool{
	".eh_frame":         true,
	".eh_frame_hdr":     true,
	".gcc_except_table": true,
	".ARM.extab":        true,
	".interp":           true, // reported as Info.Interpreter
}

// stbGNUUnique is STB_GNU_UNIQUE, a GNU binding for symbols unique in the
// process, which debug/elf does not name.
const stbGNUUnique elf.SymBind = 10
