/*
 * ch03.c - the entity-relationship diagram of chapter 3's models, as dot on stdout.
 *
 * The chapter program's models are static in its main.c, so this file includes that main.c
 * whole, its main() renamed, and hands its User_model and Event_model to erd_write(): the
 * diagram is drawn from the very declarations the chapter runs, never copied.
 */
int ch03_program_main(int argc, char **argv);
#define main ch03_program_main
#include "ch03_models/main.c"
#undef main

#include "erd.h"

int main(void)
{
	const orm_model *const models[] = {&User_model, &Event_model};
	erd_write(stdout, "Chapter 3 - Base and models: the models", models, 2);
	return fflush(stdout) == 0 ? 0 : 1;
}
