package pickle

import (
	"bytes"
	"testing"
)

// seeds are small built inputs covering every container and the opcode
// families; the fuzz targets and the benchmark share them.
func seeds(t testing.TB) [][]byte {
	evil := string(proto4Memo)
	return [][]byte{
		proto0System, proto2Memo, proto4Memo, benignTorch, concatenated,
		joblibStream(cat(opPop, "cposix\nsystem\n", opStop)),
		cat(opProto, 4, u64(opBinbytes8, 1<<62)),
		cat(opProto, 2, opExt2, 1, 2, opEmptyTuple, opReduce, opStop),
		[]byte("(S'ls'\nios\nsystem\n."),
		cat(opProto, 4, sbu("torch"), sbu("_utils"), opStackGlobal, opEmptyDict, sbu("a"), sbu("b"), opSetitem, opBuild, opStop),
		zipOf(t, "m/data.pkl", string(benignTorch), "m/data/0", "xxxx", "m/version", "3\n"),
		zipOf(t, "a.npy", string(npyOf("|O", proto0System))),
		tarOf(t, "pickle", evil, "storages", "N."),
		npyOf("<f4", make([]byte, 8)),
		append(append([]byte{}, legacyMagic...), '.'),
		cat("7z\xbc\xaf\x27\x1c", 0, 4, proto4Memo),
		gz(t, proto0System),
	}
}

func FuzzScanReader(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lim := Limits{MaxOps: 1 << 16, MaxGlobals: 64}
		st, err := ScanReader(bytes.NewReader(in), lim)
		if err != nil && st.Err == "" {
			t.Fatalf("error %v without Stream.Err", err)
		}
		if len(st.Globals) > lim.MaxGlobals+1 {
			t.Fatalf("%d globals kept, limit %d", len(st.Globals), lim.MaxGlobals)
		}
		for _, g := range st.Globals {
			if g.Offset < 0 || g.Offset >= int64(len(in)) {
				t.Fatalf("global %v at offset %d outside the %d-byte input", g, g.Offset, len(in))
			}
		}
	})
}

func FuzzScanFile(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := ScanFile(bytes.NewReader(in), int64(len(in)), Limits{MaxOps: 1 << 16, MaxMembers: 16, MaxMemberSize: 1 << 20})
		if err != nil {
			t.Fatalf("ScanFile over an in-memory reader: %v", err)
		}
		if len(rep.Streams) > 16*2+256 {
			t.Fatalf("%d streams", len(rep.Streams))
		}
	})
}

// BenchmarkScanReader reads a benign checkpoint-like stream: a state dict
// whose tensors are large BINBYTES payloads, as in protocol 4+ pickles of
// arrays. Payloads are skipped, so throughput is that of discarding.
func BenchmarkScanReader(b *testing.B) {
	var stream []byte
	stream = append(stream, opProto, 4)
	stream = append(stream, "ccollections\nOrderedDict\n"...)
	stream = append(stream, opEmptyTuple, opReduce, opMark)
	payload := make([]byte, 4<<20)
	for i := range 16 {
		stream = append(stream, sbu("layer."+itoa(int64(i)))...)
		stream = append(stream, "cnumpy.core.multiarray\n_reconstruct\n"...)
		stream = append(stream, u64(opBinbytes8, uint64(len(payload)))...)
		stream = append(stream, payload...)
		stream = append(stream, opTuple1, opReduce)
	}
	stream = append(stream, opSetitems, opStop)
	b.SetBytes(int64(len(stream)))
	b.ResetTimer()
	for b.Loop() {
		st, err := ScanReader(bytes.NewReader(stream), Limits{})
		if err != nil || st.Worst() != Safe {
			b.Fatalf("err %v, worst %v", err, st.Worst())
		}
	}
}

// BenchmarkScanReaderSmallOps measures opcode interpretation itself: a
// pickle of many small values.
func BenchmarkScanReaderSmallOps(b *testing.B) {
	stream := []byte{opProto, 4, opEmptyList, opMark}
	for i := range 200_000 {
		stream = append(stream, opBinint1, byte(i), opShortBinunicode, 3, 'a', 'b', 'c', opTuple2, opMemoize)
	}
	stream = append(stream, opAppends, opStop)
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		if _, err := ScanReader(bytes.NewReader(stream), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
