package model_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/model"
)

// FuzzIdentify feeds Identify arbitrary heads, as whole files and as the
// heads of larger ones. It must never panic, and what it identifies must
// be consistent. Seeds: the samples of every format, and the small files of
// the shared corpus when it is present.
func FuzzIdentify(f *testing.F) {
	for _, s := range samples(f) {
		f.Add(s.data, uint32(0))
		f.Add(s.data, uint32(1<<20))
	}
	if dir, ok := findCorpus(); ok {
		paths, _ := filepath.Glob(filepath.Join(dir, "models", "picklescan", "data*", "*"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil && len(b) <= 4096 {
				f.Add(b, uint32(0))
			}
		}
	}
	f.Fuzz(func(t *testing.T, head []byte, extra uint32) {
		size := int64(len(head)) + int64(extra)
		info, ok := model.Identify(head, size)
		if !ok {
			if info.Format != "" || info.Details != nil {
				t.Fatalf("Identify refused but returned %v", info)
			}
		} else if info.Format == "" || info.Details == nil {
			t.Fatalf("Identify = %v: identified without a format or details", info)
		}
		again, ok2 := model.Identify(bytes.Clone(head), size)
		if ok2 != ok || again.Format != info.Format {
			t.Fatalf("Identify not deterministic: %v then %v", info, again)
		}
		model.LooksEncrypted(head)
		model.Entropy(head)
		names := strings.Split(string(head), "\n")
		model.IdentifyZip(names)
		model.IdentifyDir(names)
		model.IsModelExtension(string(head))
	})
}

// BenchmarkIdentify measures identification of each sample and of the
// inputs that cost the most to refuse: random bytes and text filling the
// whole head.
func BenchmarkIdentify(b *testing.B) {
	random := make([]byte, model.MaxHead)
	for i := range random {
		random[i] = byte(i*2654435761>>13 ^ i)
	}
	cases := []sample{
		{name: "random 64 KiB", data: random},
		{name: "text 64 KiB", data: bytes.Repeat([]byte("lorem ipsum dolor sit amet\n"), model.MaxHead/27)},
		{name: "ONNX head of a large model", data: onnxModel(200 << 10)[:model.MaxHead]},
		{name: "pickle list filling the head", data: pickleFillingHead()},
		{name: "safetensors header filling the head", data: safetensorsFillingHead()},
	}
	cases = append(cases, samples(b)...)
	for _, c := range cases {
		b.Run(strings.ReplaceAll(c.name, " ", "_"), func(b *testing.B) {
			size := int64(len(c.data)) * 4
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				model.Identify(c.data, size)
			}
		})
	}
}

// pickleFillingHead is a protocol 0 pickle of a list of integers as long as
// the head: the longest opcode walk.
func pickleFillingHead() []byte {
	b := []byte("(lp0\n")
	for len(b) < model.MaxHead-16 {
		b = append(b, "I12345\na"...)
	}
	return append(b, '.')
}

// safetensorsFillingHead is a safetensors file whose header fills the
// head: the longest JSON to check.
func safetensorsFillingHead() []byte {
	var hdr strings.Builder
	hdr.WriteString(`{"__metadata__":{"format":"pt"}`)
	for i := 0; hdr.Len() < model.MaxHead-200; i++ {
		fmt.Fprintf(&hdr, `,"model.layers.%d.weight":{"dtype":"F16","shape":[4096,4096],"data_offsets":[0,2]}`, i)
	}
	hdr.WriteString("}")
	b := binary.LittleEndian.AppendUint64(nil, uint64(hdr.Len()))
	return append(append(b, hdr.String()...), 0, 0)
}
