/* demo.c - a tiny source with two regions, one nested in the other. */
#include <stdio.h>

int main(void)
{
	/* book:begin greet */
	printf("hello\n");
	/* book:begin inner */
	printf("inner\n");
	/* book:end inner */
	return 0;
	/* book:end greet */
}
