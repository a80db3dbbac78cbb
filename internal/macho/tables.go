package macho

// canarySymbols are the imports through which stack-protector code checks
// its canary.
var canarySymbols = map[string]bool{
	"___stack_chk_fail":  true,
	"___stack_chk_guard": true,
}

// arcSymbols are Objective-C runtime entry points that clang calls only
// when it compiles with automatic reference counting (manual code sends
// retain/release messages instead).
var arcSymbols = map[string]bool{
	"_objc_retain":                             true,
	"_objc_release":                            true,
	"_objc_autorelease":                        true,
	"_objc_autoreleaseReturnValue":             true,
	"_objc_retainAutoreleaseReturnValue":       true,
	"_objc_retainAutoreleasedReturnValue":      true,
	"_objc_unsafeClaimAutoreleasedReturnValue": true,
	"_objc_retainAutorelease":                  true,
	"_objc_retainBlock":                        true,
	"_objc_storeStrong":                        true,
	"_objc_storeWeak":                          true,
	"_objc_loadWeakRetained":                   true,
	"_objc_initWeak":                           true,
	"_objc_destroyWeak":                        true,
	"_objc_copyWeak":                           true,
	"_objc_moveWeak":                           true,
}

// BannedFunctions are C library functions that cannot bound what they
// write (or are otherwise unsafe by design), keyed by imported symbol name.
// Their import means the binary calls them somewhere, not that a call is
// exploitable.
var BannedFunctions = map[string]string{
	"_gets":     "reads a line into a buffer of unknown size",
	"_strcpy":   "copies a string without bounding the destination",
	"_strcat":   "appends a string without bounding the destination",
	"_strncpy":  "may leave the destination unterminated",
	"_strncat":  "size argument easily miscomputed (remaining space, not buffer size)",
	"_sprintf":  "formats into a buffer without bounding it",
	"_vsprintf": "formats into a buffer without bounding it",
	"_scanf":    "%s conversions write without bound",
	"_sscanf":   "%s conversions write without bound",
	"_fscanf":   "%s conversions write without bound",
	"_vscanf":   "%s conversions write without bound",
	"_vsscanf":  "%s conversions write without bound",
	"_vfscanf":  "%s conversions write without bound",
	"_wcscpy":   "copies a wide string without bounding the destination",
	"_wcscat":   "appends a wide string without bounding the destination",
	"_strtok":   "keeps hidden global state; not thread-safe",
	"_mktemp":   "predictable temporary name, racy creation",
	"_tmpnam":   "predictable temporary name, racy creation",
	"_tempnam":  "predictable temporary name, racy creation",
	"_alloca":   "unchecked stack allocation",
}

// WeakCrypto are imports of broken hash functions and ciphers from
// CommonCrypto and OpenSSL/BoringSSL. Generic entry points whose algorithm
// is a run-time argument (_CCCrypt, _CCHmac, _EVP_EncryptInit_ex) are not
// listed: their import alone says nothing about the algorithm.
var WeakCrypto = map[string]string{
	"_CC_MD2":               "MD2 hash (CommonCrypto)",
	"_CC_MD2_Init":          "MD2 hash (CommonCrypto)",
	"_CC_MD4":               "MD4 hash (CommonCrypto)",
	"_CC_MD4_Init":          "MD4 hash (CommonCrypto)",
	"_CC_MD5":               "MD5 hash (CommonCrypto)",
	"_CC_MD5_Init":          "MD5 hash (CommonCrypto)",
	"_CC_MD5_Update":        "MD5 hash (CommonCrypto)",
	"_CC_MD5_Final":         "MD5 hash (CommonCrypto)",
	"_CC_SHA1":              "SHA-1 hash (CommonCrypto)",
	"_CC_SHA1_Init":         "SHA-1 hash (CommonCrypto)",
	"_CC_SHA1_Update":       "SHA-1 hash (CommonCrypto)",
	"_CC_SHA1_Final":        "SHA-1 hash (CommonCrypto)",
	"_MD4":                  "MD4 hash (OpenSSL)",
	"_MD4_Init":             "MD4 hash (OpenSSL)",
	"_MD5":                  "MD5 hash (OpenSSL)",
	"_MD5_Init":             "MD5 hash (OpenSSL)",
	"_MD5_Update":           "MD5 hash (OpenSSL)",
	"_MD5_Final":            "MD5 hash (OpenSSL)",
	"_SHA1":                 "SHA-1 hash (OpenSSL)",
	"_SHA1_Init":            "SHA-1 hash (OpenSSL)",
	"_SHA1_Update":          "SHA-1 hash (OpenSSL)",
	"_SHA1_Final":           "SHA-1 hash (OpenSSL)",
	"_EVP_md4":              "MD4 digest (OpenSSL EVP)",
	"_EVP_md5":              "MD5 digest (OpenSSL EVP)",
	"_EVP_sha1":             "SHA-1 digest (OpenSSL EVP)",
	"_DES_set_key":          "DES cipher (OpenSSL)",
	"_DES_set_key_checked":  "DES cipher (OpenSSL)",
	"_DES_ecb_encrypt":      "DES cipher in ECB mode (OpenSSL)",
	"_DES_cbc_encrypt":      "DES cipher (OpenSSL)",
	"_DES_ncbc_encrypt":     "DES cipher (OpenSSL)",
	"_DES_ecb3_encrypt":     "triple DES cipher in ECB mode (OpenSSL)",
	"_DES_ede3_cbc_encrypt": "triple DES cipher (OpenSSL)",
	"_EVP_des_ecb":          "DES cipher in ECB mode (OpenSSL EVP)",
	"_EVP_des_cbc":          "DES cipher (OpenSSL EVP)",
	"_EVP_des_ede3_cbc":     "triple DES cipher (OpenSSL EVP)",
	"_EVP_des_ede3_ecb":     "triple DES cipher in ECB mode (OpenSSL EVP)",
	"_RC2_set_key":          "RC2 cipher (OpenSSL)",
	"_EVP_rc2_cbc":          "RC2 cipher (OpenSSL EVP)",
	"_RC4":                  "RC4 stream cipher (OpenSSL)",
	"_RC4_set_key":          "RC4 stream cipher (OpenSSL)",
	"_EVP_rc4":              "RC4 stream cipher (OpenSSL EVP)",
	"_BF_set_key":           "Blowfish cipher, 64-bit block (OpenSSL)",
	"_EVP_bf_cbc":           "Blowfish cipher, 64-bit block (OpenSSL EVP)",
}

// InsecureRandom are imports of the C library's predictable pseudo-random
// generators; SecRandomCopyBytes and arc4random are the secure ones.
var InsecureRandom = map[string]string{
	"_rand":    "predictable pseudo-random generator",
	"_rand_r":  "predictable pseudo-random generator",
	"_srand":   "seeds the predictable rand generator",
	"_random":  "predictable pseudo-random generator",
	"_srandom": "seeds the predictable random generator",
	"_drand48": "predictable 48-bit linear congruential generator",
	"_erand48": "predictable 48-bit linear congruential generator",
	"_lrand48": "predictable 48-bit linear congruential generator",
	"_nrand48": "predictable 48-bit linear congruential generator",
	"_mrand48": "predictable 48-bit linear congruential generator",
	"_jrand48": "predictable 48-bit linear congruential generator",
	"_srand48": "seeds the predictable 48-bit generator",
	"_seed48":  "seeds the predictable 48-bit generator",
}

// Logging are imports of the logging calls whose output reaches the
// device log unredacted (os_log redacts dynamic values by default and is
// not listed).
var Logging = map[string]string{
	"_NSLog":  "writes to the device log, readable by attached tools",
	"_NSLogv": "writes to the device log, readable by attached tools",
}
