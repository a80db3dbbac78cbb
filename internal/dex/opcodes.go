package dex

// action says what the constant tracker does with an instruction.
type action uint8

const (
	actNone             action = iota // writes no register, or keeps its value (check-cast)
	actMove                           // 12x: vA = vB
	actMove16From                     // 22x: vAA = vBBBB
	actMove16                         // 32x: vAAAA = vBBBB
	actWriteA                         // writes vA (4 bits)
	actWriteAA                        // writes vAA (8 bits)
	actConst4                         // 11n
	actConst16                        // 21s
	actConst32                        // 31i
	actConstHigh16                    // 21h, value << 16
	actConstWide16                    // 21s
	actConstWide32                    // 31i
	actConstWide64                    // 51l
	actConstWideHigh16                // 21h, value << 48
	actConstString                    // 21c
	actConstStringJumbo               // 31c
	actFillArrayData                  // 31t
	actSget                           // 21c: vAA = static field@BBBB
	actIget                           // 22c: vA = instance field@CCCC of vB
	actPut                            // 21c or 22c: writes field@(second unit)
	actInvoke                         // 35c, and 45cc (invoke-polymorphic)
	actInvokeRange                    // 3rc, and 4rcc (invoke-polymorphic/range)
)

// opInfo describes one opcode: its size in 16-bit units (0 for opcodes
// that are unused), what it does to registers, and whether the register it
// writes is the low half of a register pair.
type opInfo struct {
	size uint8
	act  action
	wide bool
}

// opcodes is the Dalvik opcode table, from the "Dalvik bytecode" and
// "Dalvik Executable instruction formats" pages of the Android Open Source
// Project. Unused opcodes (3e..43, 73, 79..7a, e3..f9) have size 0.
var opcodes = buildOpcodes()

func buildOpcodes() [256]opInfo {
	var t [256]opInfo
	set := func(from, to int, size uint8, act action) {
		for op := from; op <= to; op++ {
			t[op] = opInfo{size: size, act: act}
		}
	}
	wide := func(ops ...int) {
		for _, op := range ops {
			t[op].wide = true
		}
	}
	wideRange := func(from, to int) {
		for op := from; op <= to; op++ {
			t[op].wide = true
		}
	}

	set(0x00, 0x00, 1, actNone)            // nop (and the payload idents)
	set(0x01, 0x01, 1, actMove)            // move
	set(0x02, 0x02, 2, actMove16From)      // move/from16
	set(0x03, 0x03, 3, actMove16)          // move/16
	set(0x04, 0x04, 1, actMove)            // move-wide
	set(0x05, 0x05, 2, actMove16From)      // move-wide/from16
	set(0x06, 0x06, 3, actMove16)          // move-wide/16
	set(0x07, 0x07, 1, actMove)            // move-object
	set(0x08, 0x08, 2, actMove16From)      // move-object/from16
	set(0x09, 0x09, 3, actMove16)          // move-object/16
	set(0x0a, 0x0d, 1, actWriteAA)         // move-result, -wide, -object, move-exception
	set(0x0e, 0x11, 1, actNone)            // return-void, return, return-wide, return-object
	set(0x12, 0x12, 1, actConst4)          // const/4
	set(0x13, 0x13, 2, actConst16)         // const/16
	set(0x14, 0x14, 3, actConst32)         // const
	set(0x15, 0x15, 2, actConstHigh16)     // const/high16
	set(0x16, 0x16, 2, actConstWide16)     // const-wide/16
	set(0x17, 0x17, 3, actConstWide32)     // const-wide/32
	set(0x18, 0x18, 5, actConstWide64)     // const-wide
	set(0x19, 0x19, 2, actConstWideHigh16) // const-wide/high16
	set(0x1a, 0x1a, 2, actConstString)     // const-string
	set(0x1b, 0x1b, 3, actConstStringJumbo)
	set(0x1c, 0x1c, 2, actWriteAA)       // const-class
	set(0x1d, 0x1e, 1, actNone)          // monitor-enter, monitor-exit
	set(0x1f, 0x1f, 2, actNone)          // check-cast: same value, narrower type
	set(0x20, 0x20, 2, actWriteA)        // instance-of
	set(0x21, 0x21, 1, actWriteA)        // array-length
	set(0x22, 0x22, 2, actWriteAA)       // new-instance
	set(0x23, 0x23, 2, actWriteA)        // new-array
	set(0x24, 0x25, 3, actNone)          // filled-new-array, /range (result by move-result)
	set(0x26, 0x26, 3, actFillArrayData) // fill-array-data
	set(0x27, 0x27, 1, actNone)          // throw
	set(0x28, 0x28, 1, actNone)          // goto
	set(0x29, 0x29, 2, actNone)          // goto/16
	set(0x2a, 0x2a, 3, actNone)          // goto/32
	set(0x2b, 0x2c, 3, actNone)          // packed-switch, sparse-switch
	set(0x2d, 0x31, 2, actWriteAA)       // cmpl-float .. cmp-long
	set(0x32, 0x3d, 2, actNone)          // if-test, if-testz
	set(0x44, 0x4a, 2, actWriteAA)       // aget*
	set(0x4b, 0x51, 2, actNone)          // aput*
	set(0x52, 0x58, 2, actIget)          // iget*
	set(0x59, 0x5f, 2, actPut)           // iput*
	set(0x60, 0x66, 2, actSget)          // sget*
	set(0x67, 0x6d, 2, actPut)           // sput*
	set(0x6e, 0x72, 3, actInvoke)        // invoke-virtual .. invoke-interface
	set(0x74, 0x78, 3, actInvokeRange)   // invoke-*/range
	set(0x7b, 0x8f, 1, actWriteA)        // unary operations and conversions
	set(0x90, 0xaf, 2, actWriteAA)       // binop vAA, vBB, vCC
	set(0xb0, 0xcf, 1, actWriteA)        // binop/2addr
	set(0xd0, 0xd7, 2, actWriteA)        // binop/lit16
	set(0xd8, 0xe2, 2, actWriteAA)       // binop/lit8
	set(0xfa, 0xfa, 4, actInvoke)        // invoke-polymorphic
	set(0xfb, 0xfb, 4, actInvokeRange)   // invoke-polymorphic/range
	set(0xfc, 0xfd, 3, actNone)          // invoke-custom, /range: a call site, not a method
	set(0xfe, 0xff, 2, actWriteAA)       // const-method-handle, const-method-type

	wide(0x04, 0x05, 0x06, 0x0b, 0x16, 0x17, 0x18, 0x19, 0x45, 0x53, 0x61)
	// Unary operations with a long or double result.
	wide(0x7d, 0x7e, 0x80, 0x81, 0x83, 0x86, 0x88, 0x89, 0x8b)
	// Binary operations on long (…-long) and double (…-double).
	wideRange(0x9b, 0xa5)
	wideRange(0xab, 0xaf)
	wideRange(0xbb, 0xc5)
	wideRange(0xcb, 0xcf)
	return t
}
