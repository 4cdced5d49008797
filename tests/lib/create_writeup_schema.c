/*
 * create_writeup_schema.c - builds the write-up's tables with the
 * library's create_all, for the parity test with SQLAlchemy.
 *
 * Chapters 3 and 5. schema_parity.py builds the same models with
 * SQLAlchemy in one database (or PostgreSQL schema) and runs this program
 * on another, then reflects both with SQLAlchemy's inspector and compares.
 * The models are the write-up's, its bugs fixed: `__tablename__`, the
 * imported Enum, a foreign key under the relationship.
 *
 *     create_writeup_schema URL
 *
 * Prints nothing on success; on error the library's message, exit 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "orm/engine.h"
#include "orm/error.h"
#include "orm/schema.h"
#include "writeup_schema.h"

int main(int argc, char **argv)
{
	orm_engine *engine = NULL;
	orm_metadata *metadata = NULL;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s URL\n", argv[0]);
		return 2;
	}
	if ((rc = orm_create_engine(&engine, argv[1], NULL)) < 0 ||
	    (rc = orm_metadata_new(&metadata, NULL)) < 0) {
		fprintf(stderr, "create_writeup_schema: %s\n", orm_error_last());
		goto done;
	}
	if ((rc = orm_metadata_add(metadata, &User_model)) < 0 ||
	    (rc = orm_metadata_add(metadata, &Event_model)) < 0 ||
	    (rc = orm_metadata_create_all(metadata, engine, NULL)) < 0)
		fprintf(stderr, "create_writeup_schema: %s\n", orm_metadata_errmsg(metadata));
done:
	orm_metadata_free(metadata);
	orm_engine_free(engine);
	return rc < 0 ? 1 : 0;
}
