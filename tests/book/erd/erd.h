/*
 * erd.h - an entity-relationship diagram of some models, as Graphviz dot.
 *
 * The book shows the tables of chapters 3, 4 and 5 as pictures. They are drawn from the
 * chapter programs' own model declarations (the orm_model structs), never by hand, so a
 * change to a model changes its picture: the test book.diagram.<chapter> fails until
 * `./workbook book --update` has written the new dot file and rendered it to SVG.
 */
#ifndef ORM_ERD_H
#define ORM_ERD_H

#include <stddef.h>
#include <stdio.h>

#include "orm/schema.h"

/*
 * Writes to `out` a dot graph titled `title` with one table per model (its columns, their
 * types and options), one edge per foreign key (crow's foot at the many end, labelled with
 * the relationships that use it, when the models declare them), and one node per enum type
 * with its labels. The output depends only on the models, in the order given.
 */
void erd_write(FILE *out, const char *title, const orm_model *const *models, size_t nmodels);

#endif
