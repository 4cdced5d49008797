/* url.c - placeholder until the engine lands. */
typedef int orm_placeholder_url;
