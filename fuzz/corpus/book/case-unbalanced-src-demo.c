int main(void)
{
	/* book:begin body */
	return 0;
}
