	orm_engine_free(engine); /* NULL here; free it anyway, in case it was not refused */
}

int main(int argc, char **argv)
{
	const char *url = database_url(argc, argv, "sqlite:///ch01_engine.db");
	orm_engine *engine = NULL;
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	int rc;

	printf("== 1. A URL names the database, the driver and the place ==\n");
	/* book:begin urls */
	show_url("sqlite+pysqlite:///:memory:"); /* the write-up's URL: accepted as it is */
	show_url("sqlite:///events.db");         /* a file in the current directory */
	show_url("postgresql+psycopg2://app%40corp:s3cr%40t@db.example.com:5432/eventdb");
	/* book:end urls */

	/* book:begin bad-urls */
	printf("\nURLs the engine refuses, and why:\n");
	show_bad_url("mysql://app@localhost/eventdb");
	show_bad_url("postgresql+asyncpg://app@localhost/eventdb");
	show_bad_url("postgresql://app:s3cret@localhost:99999/eventdb");
	show_bad_url("postgresql://app:p@ss@localhost/eventdb");
	show_bad_url("sqlite://");
	/* book:end bad-urls */
