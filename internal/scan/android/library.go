package android

import "strings"

// libraryPrefixes are package prefixes of widely used libraries and of the
// platform. Rules of lower confidence report only the app's own code, so
// that a finding points at something the team can change.
var libraryPrefixes = []string{
	"Landroid/", "Landroidx/", "Ldalvik/", "Ljava/", "Ljavax/", "Lkotlin/", "Lkotlinx/", "Lsun/",
	"Lcom/google/", "Lcom/android/volley/", "Lcom/squareup/", "Lokhttp3/", "Lokio/", "Lretrofit2/",
	"Lio/reactivex/", "Lrx/", "Lcom/facebook/", "Lorg/apache/", "Lorg/json/", "Lorg/xmlpull/",
	"Lorg/chromium/", "Lorg/jetbrains/", "Lorg/intellij/", "Lorg/slf4j/", "Lorg/bouncycastle/", "Lorg/spongycastle/",
	"Lcom/fasterxml/", "Lcom/bumptech/", "Ldagger/", "Ljavax/inject/", "Lio/grpc/", "Lcom/crashlytics/",
	"Lio/fabric/", "Lio/sentry/", "Lcom/amazonaws/", "Lcom/microsoft/", "Lcom/airbnb/", "Lcom/github/",
	"Lcom/jakewharton/", "Lorg/greenrobot/", "Lnet/sqlcipher/", "Lio/realm/", "Lcom/j256/", "Lorg/joda/",
	"Lorg/threeten/", "Lcom/adjust/", "Lcom/appsflyer/", "Lcom/mixpanel/", "Lcom/amplitude/", "Lcom/onesignal/",
	"Lcom/unity3d/", "Lcom/applovin/", "Lcom/ironsource/", "Lcom/braze/", "Lcom/appboy/", "Lio/branch/",
	"Lorg/tensorflow/", "Lai/onnxruntime/", "Lorg/pytorch/", "Lcom/google/mediapipe/", "Ldev/langchain4j/",
	"Lcom/aallam/", "Lcom/theokanning/", "Lcom/openai/", "Lcom/anthropic/", "Lio/ktor/", "Lorg/koin/",
	"Lcom/afollestad/", "Lde/greenrobot/", "Lcom/nostra13/", "Lcom/loopj/", "Lorg/kxml2/", "Lorg/w3c/",
	"Lorg/xml/", "Lorg/ccil/", "Lcom/sun/", "Lcom/journeyapps/", "Lcom/caverock/", "Lcom/scottyab/",
	"Lorg/conscrypt/", "Lcom/datatheorem/", "Lio/flutter/", "Lcom/facebook/react/", "Lcom/swmansion/",
	"Lorg/webrtc/", "Lorg/mozilla/", "Lbutterknife/", "Lcom/tencent/", "Lcom/alibaba/", "Lcom/huawei/",
}

// isLibrary reports whether a class belongs to a known library.
func isLibrary(class string) bool {
	for _, p := range libraryPrefixes {
		if strings.HasPrefix(class, p) {
			return true
		}
	}
	return false
}

// isAppCode reports whether a class is the app's own code: not a known
// library, or inside the app's package even when that package shares a
// library prefix (com.google.* apps).
func (a *App) isAppCode(class string) bool {
	if a.Manifest != nil && a.Manifest.Package != "" {
		prefix := "L" + strings.ReplaceAll(a.Manifest.Package, ".", "/") + "/"
		if strings.HasPrefix(class, prefix) {
			return true
		}
	}
	return !isLibrary(class)
}
