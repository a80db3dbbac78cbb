package pickle

import (
	"strconv"
	"strings"
)

// joblib writes NumPy arrays into the pickle stream itself: right after
// the BUILD of a joblib.numpy_pickle.NumpyArrayWrapper come the array's
// raw bytes (after an alignment padding in joblib ≥ 1.2), or, for arrays
// of Python objects, a whole nested pickle. The wrapper's state (shape,
// dtype, alignment) says how much to skip.

// isArrayWrapper reports joblib's wrapper class, under its current and
// its former (vendored in scikit-learn) module.
func isArrayWrapper(mod, name string) bool {
	return name == "NumpyArrayWrapper" && (mod == "joblib.numpy_pickle" || mod == "sklearn.externals.joblib.numpy_pickle")
}

// isWrapperCall reports a value made by instantiating joblib's wrapper:
// NEWOBJ of the class (protocol 2+) or copyreg._reconstructor of it
// (protocols 0 and 1).
func isWrapperCall(v value) bool {
	if v.kind != vCall {
		return false
	}
	if isArrayWrapper(v.str, v.name) {
		return true
	}
	return (v.str == "copyreg" || v.str == "copy_reg") && v.name == "_reconstructor" &&
		len(v.items) > 0 && v.items[0].kind == vGlobal && isArrayWrapper(v.items[0].str, v.items[0].name)
}

// joblibArray skips the array that follows a NumpyArrayWrapper's BUILD.
func (s *scanner) joblibArray(state value, off int64) error {
	if state.kind != vDict {
		return s.errorf(ErrLimit, "joblib array at offset %d has no readable state", off)
	}
	var shape, dtype, align value
	for i := 0; i+1 < len(state.items); i += 2 {
		switch k := state.items[i]; {
		case k.kind != vStr:
		case k.str == "shape":
			shape = state.items[i+1]
		case k.str == "dtype":
			dtype = state.items[i+1]
		case k.str == "numpy_array_alignment_bytes":
			align = state.items[i+1]
		}
	}
	descr := ""
	if dtype.kind == vCall && len(dtype.items) > 0 && dtype.items[0].kind == vStr {
		descr = dtype.items[0].str
	}
	switch d := strings.TrimLeft(descr, "<>|="); {
	case strings.HasPrefix(d, "O"):
		// An object array: a nested pickle, with its own stack and memo.
		s.nested = append(s.nested, frame{s.stack, s.marks, s.memo})
		s.stack, s.marks, s.memo = nil, nil, &memo{}
		if len(s.nested) > 16 {
			return s.errorf(ErrLimit, "joblib arrays nested deeper than 16 at offset %d", off)
		}
		return nil
	case strings.HasPrefix(d, "V"):
		// A record dtype may hold objects (then joblib writes a pickle)
		// or not (raw bytes): its fields are not modeled.
		return s.errorf(ErrLimit, "joblib record array at offset %d: the rest of the stream is not read", off)
	}
	item, ok := itemSize(descr)
	if !ok || shape.kind != vTuple {
		return s.errorf(ErrLimit, "joblib array at offset %d of dtype %q and unreadable shape: the rest of the stream is not read", off, descr)
	}
	n := uint64(item)
	for _, d := range shape.items {
		if d.kind != vInt || d.num < 0 {
			return s.errorf(ErrLimit, "joblib array at offset %d has an unreadable shape", off)
		}
		if d.num != 0 && n > (1<<62)/uint64(d.num) {
			return s.errorf(ErrTruncated, "joblib array at offset %d is larger than any stream", off)
		}
		n *= uint64(d.num)
	}
	if align.kind == vInt {
		b, err := s.fixed(opBuild, off, 1)
		if err != nil {
			return err
		}
		if err := s.skip(opBuild, off, uint64(b[0])); err != nil {
			return err
		}
	}
	return s.skip(opBuild, off, n)
}

// itemSize returns the size in bytes of one item of a NumPy dtype
// descriptor such as "<f8", "u1", "?", "<U10" or "<M8[ns]".
func itemSize(descr string) (int64, bool) {
	d := strings.TrimLeft(descr, "<>|=")
	if i := strings.IndexByte(d, '['); i >= 0 {
		d = d[:i]
	}
	if d == "?" || d == "b" || d == "B" {
		return 1, true
	}
	if len(d) < 2 {
		return 0, false
	}
	code, digits := d[0], d[1:]
	n, err := strconv.ParseInt(digits, 10, 32)
	if err != nil || n <= 0 {
		return 0, false
	}
	switch code {
	case 'U':
		return 4 * n, true
	case 'f', 'i', 'u', 'c', 'b', 'S', 'a', 'V', 'M', 'm':
		return n, true
	}
	return 0, false
}
