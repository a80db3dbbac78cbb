package detect

import "encoding/base64"

func b64url(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
