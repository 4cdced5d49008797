/*
 * ex3_2_create_in_order.h - exercise 3.2: the order in which create_all creates tables.
 * BOOK.md, "Chapter 3 - Base and models", exercise 3.2.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex3_2_create_in_order.c; `./workbook check 3` runs its test on SQLite;
 * `./workbook check 3 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX3_2_CREATE_IN_ORDER_H
#define EX3_2_CREATE_IN_ORDER_H

#include <stddef.h>

#include "orm/schema.h"

/* book:begin contract */
/*
 * Puts the n models of models[] in an order in which their tables can be created one by
 * one: every table after each table its foreign keys refer to. A column's foreign key is
 * "table.column" (column->foreign_key, NULL for most columns); a table referring to itself
 * (categories.parent_id -> categories.id) is no obstacle.
 *
 * Writes the order into out[0..n-1]: the same pointers as models[], each once. Returns
 * ORM_OK, or ORM_EINVAL when there is no such order: a foreign key names a table that is not
 * among the models, or tables refer to each other in a circle (a -> b -> a). Then out[]
 * holds nothing useful. Models are borrowed; nothing is allocated that outlives the call.
 */
int create_in_order(const orm_model **out, const orm_model *const *models, size_t n);
/* book:end contract */

#endif
