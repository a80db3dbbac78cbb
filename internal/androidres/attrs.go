package androidres

// attrIDs maps framework attribute names the scanner reads to their public
// resource ids (android.R.attr, stable across platform releases).
var attrIDs = map[string]uint32{
	"label":                        0x01010001,
	"name":                         0x01010003,
	"permission":                   0x01010006,
	"readPermission":               0x01010007,
	"writePermission":              0x01010008,
	"protectionLevel":              0x01010009,
	"sharedUserId":                 0x0101000b,
	"enabled":                      0x0101000e,
	"debuggable":                   0x0101000f,
	"exported":                     0x01010010,
	"process":                      0x01010011,
	"taskAffinity":                 0x01010012,
	"authorities":                  0x01010018,
	"grantUriPermissions":          0x0101001b,
	"priority":                     0x0101001c,
	"launchMode":                   0x0101001d,
	"scheme":                       0x01010027,
	"host":                         0x01010028,
	"port":                         0x01010029,
	"path":                         0x0101002a,
	"pathPrefix":                   0x0101002b,
	"pathPattern":                  0x0101002c,
	"allowTaskReparenting":         0x01010204,
	"minSdkVersion":                0x0101020c,
	"versionCode":                  0x0101021b,
	"versionName":                  0x0101021c,
	"targetSdkVersion":             0x01010270,
	"maxSdkVersion":                0x01010271,
	"testOnly":                     0x01010272,
	"allowBackup":                  0x01010280,
	"fullBackupContent":            0x01010473,
	"extractNativeLibs":            0x010104ea,
	"usesCleartextTraffic":         0x010104ec,
	"autoVerify":                   0x010104ee,
	"networkSecurityConfig":        0x01010527,
	"requestLegacyExternalStorage": 0x01010603,
	"dataExtractionRules":          0x0101066c,
}

// attrNames is the reverse of attrIDs.
var attrNames = func() map[uint32]string {
	m := make(map[uint32]string, len(attrIDs))
	for n, id := range attrIDs {
		m[id] = n
	}
	return m
}()
