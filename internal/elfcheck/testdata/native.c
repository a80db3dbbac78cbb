/*
 * A small JNI-style library for the elfcheck tests. The tests compile it
 * twice, once hardened and once with every protection turned off, and check
 * that Inspect sees the difference. Each function gives the compiler a
 * reason to use what the flags ask for: a local array (stack protector) and
 * copies into buffers of known size (FORTIFY_SOURCE checking functions).
 */
#include <stdio.h>
#include <string.h>

static const char api_key[] = "sk-bulwark-test-0000000000000000";
const char *endpoint = "https://api.example.com/v1/chat";

int Java_com_example_bulwark_Native_greet(void *env, void *obj, const char *name, char *out, size_t n)
{
	char buf[32];
	strcpy(buf, name);
	sprintf(buf + 16, "%s", name);
	memcpy(out, buf, n);
	return snprintf(out, n, "%s:%s", buf, api_key);
}

int JNI_OnLoad(void *vm, void *reserved)
{
	return 0x00010006;
}
