/* A small program for the elfcheck tests of executables (PIE or not). */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("%d arguments\n", argc);
	return 0;
}
