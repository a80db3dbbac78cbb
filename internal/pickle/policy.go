package pickle

import "strings"

// Rule classifies an import path. An allow rule (Module and Name) covers
// exactly one object, never its attributes. A deny rule names a dotted
// path in Module (Name empty): a module, or an object inside one, and it
// covers everything below that path. Classify lets the longest matching
// path decide, a deny rule winning a tie, so that an allowed uuid.UUID
// stands beside denied uuid internals; an import matched by no rule is
// Suspicious.
type Rule struct {
	Module string
	Name   string
	Safety Safety
	Why    string
}

// path is the dotted path the rule names.
func (r Rule) path() string {
	if r.Name == "" {
		return r.Module
	}
	return r.Module + "." + r.Name
}

// AllowRules are callables that rebuild data and reach neither code nor
// attribute access; their arguments are classified on their own.
var AllowRules = allow(
	"collections: OrderedDict defaultdict Counter deque",
	"builtins: set frozenset slice complex bytearray bytes range int float str bool list tuple dict",
	"copyreg: _reconstructor __newobj__ __newobj_ex__",
	"codecs: encode",
	"datetime: datetime date time timedelta timezone",
	"decimal: Decimal",
	"fractions: Fraction",
	"uuid: UUID",
	"torch._utils: _rebuild_tensor _rebuild_tensor_v2 _rebuild_tensor_v3 _rebuild_parameter _rebuild_parameter_with_state "+
		"_rebuild_qtensor _rebuild_sparse_tensor _rebuild_nested_tensor _rebuild_meta_tensor_no_storage "+
		"_rebuild_device_tensor_from_numpy _rebuild_wrapper_subclass",
	"torch._tensor: _rebuild_from_type _rebuild_from_type_v2",
	"torch: FloatStorage DoubleStorage HalfStorage BFloat16Storage LongStorage IntStorage ShortStorage CharStorage "+
		"ByteStorage BoolStorage ComplexFloatStorage ComplexDoubleStorage QInt8Storage QUInt8Storage QInt32Storage "+
		"QUInt4x2Storage QUInt2x4Storage UntypedStorage Size device dtype Tensor "+
		"float16 float32 float64 bfloat16 half float double int8 int16 int32 int64 uint8 bool complex64 complex128 "+
		"strided sparse_coo per_tensor_affine per_channel_affine contiguous_format channels_last preserve_format",
	"torch.storage: TypedStorage UntypedStorage",
	"torch.nn.parameter: Parameter",
	"numpy.core.multiarray: _reconstruct scalar",
	"numpy.core.numeric: _frombuffer",
	"numpy: ndarray dtype",
	"numpy.dtypes: Float16DType Float32DType Float64DType Int8DType Int16DType Int32DType Int64DType "+
		"UInt8DType UInt16DType UInt32DType UInt64DType BoolDType Complex64DType Complex128DType",
	"joblib.numpy_pickle: NumpyArrayWrapper",
	"sklearn.externals.joblib.numpy_pickle: NumpyArrayWrapper",
)

// DenyRules are imports known to run code, commands, the network or the
// file system, or to hand out what reaches them; a few are Suspicious:
// harmless alone, they call or look up whatever they are given.
var DenyRules = concat(
	deny(Dangerous, "runs programs or shell commands",
		"os", "posix", "nt", "subprocess", "_posixsubprocess", "pty", "commands", "platform", "_aix_support", "_osx_support",
		"uuid._get_command_stdout", "uuid._popen", "uuid._find_mac", "uuid._find_mac_near_keyword", "uuid._find_mac_under_heading",
		"uuid._ifconfig_getnode", "uuid._ip_getnode", "uuid._arp_getnode", "uuid._lanscan_getnode", "uuid._netstat_getnode",
		"uuid._unix_getnode", "uuid._windll_getnode", "uuid._netbios_getnode", "uuid._load_system_functions",
		"asyncio", "multiprocessing", "concurrent", "venv", "ensurepip", "pip", "webbrowser", "pydoc",
		"torch.utils.collect_env", "torch._inductor", "distutils", "setuptools"),
	deny(Dangerous, "evaluates or compiles Python code",
		"builtins.eval", "builtins.exec", "builtins.compile", "builtins.execfile", "builtins.apply", "builtins.input",
		"builtins.raw_input", "builtins.breakpoint", "builtins.help", "builtins.reload",
		"runpy", "code", "codeop", "bdb", "pdb", "cProfile", "profile", "trace", "timeit", "doctest", "idlelib", "lib2to3",
		"test.support", "types.CodeType", "types.FunctionType", "types.LambdaType", "types.MethodType", "types.ModuleType",
		"cloudpickle", "dill", "marshal", "ctypes", "_ctypes", "cffi",
		"torch.jit", "torch._dynamo", "torch.fx", "torch.package", "torch.utils._config_module",
		"torch.utils.data.datapipes", "torch._export", "torch.export",
		"numpy.testing", "numpy.f2py", "numpy.distutils", "numpy.ctypeslib"),
	deny(Dangerous, "imports modules or reaches any attribute, hence any code",
		"builtins.__import__", "builtins.getattr", "builtins.setattr", "builtins.delattr", "builtins.globals",
		"builtins.locals", "builtins.vars", "builtins.__builtins__", "builtins.__loader__", "builtins.__spec__",
		"importlib", "imp", "pkgutil", "zipimport", "sys", "site", "gc", "inspect",
		"operator.attrgetter", "operator.methodcaller"),
	deny(Dangerous, "loads another pickle or model, whose content this scan did not see",
		"pickle.load", "pickle.loads", "pickle.Unpickler", "pickle._load", "pickle._loads", "pickle._Unpickler",
		"torch.load", "torch.serialization.load", "torch.serialization._load", "torch.serialization._legacy_load",
		"torch.storage._load_from_bytes", "torch.hub", "numpy.load", "numpy.lib.npyio", "numpy.lib._npyio_impl",
		"joblib.load", "joblib.numpy_pickle.load", "shelve", "dbm"),
	deny(Dangerous, "opens files, sockets or network connections",
		"builtins.open", "builtins.file", "io.open", "io.open_code", "io.FileIO", "socket", "ssl", "socketserver",
		"http", "urllib", "urllib3", "requests", "aiohttp", "httpx", "ftplib", "imaplib", "poplib", "smtplib",
		"nntplib", "telnetlib", "xmlrpc", "shutil", "tempfile", "tarfile", "zipfile", "sqlite3", "mmap",
		"logging.FileHandler", "logging.handlers", "logging.config"),
	deny(Dangerous, "stops the process", "builtins.exit", "builtins.quit", "signal"),
	deny(Suspicious, "calls or looks up whatever it is given",
		"operator.itemgetter", "operator.getitem", "operator.call", "functools.partial", "functools.reduce",
		"functools.partialmethod", "builtins.type", "builtins.object", "builtins.super", "builtins.property",
		"builtins.staticmethod", "builtins.classmethod", "builtins.map", "builtins.filter", "builtins.iter",
		"builtins.next", "builtins.print"),
)

// moduleAliases maps modules to the name the rules use: Python 2 names
// that Python 3's unpickler maps (fix_imports), C accelerators, and
// NumPy 2's private core.
var moduleAliases = map[string]string{
	"__builtin__": "builtins", "exceptions": "builtins", "copy_reg": "copyreg", "_operator": "operator",
	"_io": "io", "_pickle": "pickle", "cPickle": "pickle", "_codecs": "codecs", "_socket": "socket",
	"_ssl": "ssl", "httplib": "http.client", "urllib2": "urllib.request", "_functools": "functools",
	"numpy._core": "numpy.core", "_collections": "collections", "_datetime": "datetime", "_decimal": "decimal",
	"SocketServer": "socketserver", "BaseHTTPServer": "http.server", "SimpleHTTPServer": "http.server",
	"CGIHTTPServer": "http.server", "xmlrpclib": "xmlrpc.client", "SimpleXMLRPCServer": "xmlrpc.server",
	"anydbm": "dbm", "whichdb": "dbm", "dumbdbm": "dbm", "gdbm": "dbm", "dbhash": "dbm",
	"cookielib": "http.cookiejar", "urlparse": "urllib.parse", "robotparser": "urllib.robotparser",
	"cStringIO": "io", "StringIO": "io", "UserDict": "collections", "UserList": "collections",
}

// normalize returns the dotted path of module.name with module aliases
// replaced.
func normalize(module, name string) string {
	for alias, m := range moduleAliases {
		if module == alias || strings.HasPrefix(module, alias+".") {
			module = m + module[len(alias):]
			break
		}
	}
	return module + "." + name
}

type policy struct {
	allow map[string]bool
	deny  map[string]Rule
}

var rules = func() policy {
	p := policy{allow: map[string]bool{}, deny: map[string]Rule{}}
	for _, r := range AllowRules {
		p.allow[r.path()] = true
	}
	for _, r := range DenyRules {
		if old, ok := p.deny[r.path()]; !ok || r.Safety > old.Safety {
			p.deny[r.path()] = r
		}
	}
	return p
}()

// Classify returns the safety of importing name from module. Unknown
// imports are Suspicious, not Safe.
func Classify(module, name string) Safety {
	s, _ := Explain(module, name)
	return s
}

// Explain returns the safety of importing name from module and the reason
// of the rule that decided it ("" when no rule matched).
func Explain(module, name string) (Safety, string) {
	if module == "" || name == "" || module == unknownName || name == unknownName {
		return Suspicious, "could not be resolved"
	}
	full := normalize(module, name)
	if rules.allow[full] {
		// An allowed path is exact, hence longer than any deny rule that
		// covers it from a parent module.
		if r, ok := rules.deny[full]; ok {
			return r.Safety, r.Why
		}
		return Safe, "on the allow-list"
	}
	// The longest denied prefix of the path wins.
	for p := full; ; {
		if r, ok := rules.deny[p]; ok {
			return r.Safety, r.Why
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return Suspicious, ""
		}
		p = p[:i]
	}
}

// allow turns "module: name name …" lines into Safe rules.
func allow(lines ...string) []Rule {
	var out []Rule
	for _, l := range lines {
		mod, names, _ := strings.Cut(l, ":")
		for _, n := range strings.Fields(names) {
			out = append(out, Rule{Module: mod, Name: n, Safety: Safe, Why: "rebuilds data"})
		}
	}
	return out
}

// deny turns dotted paths into rules of one severity: a path names a
// module (every name in it) or, when it is listed with its object, one
// object and its attributes. Paths are split at the last dot for display
// only; matching uses the whole path.
func deny(s Safety, why string, paths ...string) []Rule {
	out := make([]Rule, 0, len(paths))
	for _, p := range paths {
		out = append(out, Rule{Module: p, Safety: s, Why: why})
	}
	return out
}

func concat(lists ...[]Rule) []Rule {
	var out []Rule
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
