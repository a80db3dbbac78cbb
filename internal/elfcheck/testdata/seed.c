/*
 * Source of the committed fuzz seeds testdata/fuzz/FuzzInspect/tiny64 and
 * tiny32: the smallest shared objects that still have imports, JNI exports,
 * a string in .rodata and the usual program headers. Built with
 *
 *   gcc -shared -fPIC -Os -nostdlib -fstack-protector-all \
 *       -Wl,-z,max-page-size=16 -Wl,-z,common-page-size=16 \
 *       -Wl,-z,noseparate-code -Wl,--hash-style=gnu -Wl,-z,relro,-z,now \
 *       -Wl,-z,noexecstack -Wl,--build-id=none -s -o tiny64.so seed.c
 *   gcc -m32 -shared -fPIC -Os -nostdlib -fno-stack-protector \
 *       -Wl,-z,max-page-size=16 -Wl,-z,common-page-size=16 \
 *       -Wl,-z,noseparate-code -Wl,--hash-style=sysv -Wl,-z,norelro \
 *       -Wl,--build-id=none -s -o tiny32.so seed.c
 *
 * and written in the fuzzing corpus format (go test fuzz v1).
 */
extern int puts(const char *);
extern char *strcpy(char *, const char *);

static const char key[] = "sk-test-0123456789abcdef";

int Java_com_example_Tiny_run(void *env, void *obj, const char *in)
{
	char b[16];
	strcpy(b, in);
	puts(key);
	return b[1];
}

int JNI_OnLoad(void *vm, void *r)
{
	return 0x10006;
}
