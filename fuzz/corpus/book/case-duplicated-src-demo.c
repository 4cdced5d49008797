int main(void)
{
	/* book:begin body */
	int x = 1;
	/* book:end body */
	/* book:begin body */
	return x - 1;
	/* book:end body */
}
