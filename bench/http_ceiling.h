/*
 * http_ceiling.h - the HTTP benchmark's ceiling: a bare libmicrohttpd server that answers
 * every request with one fixed JSON body (chapter 6's benchmark, http_bench.c).
 *
 * It runs with the same thread pool and options as chapter 6's app server, so the two differ
 * only in the work done per request: routing, validation, a session, SQL and JSON.
 */
#ifndef ORM_BENCH_HTTP_CEILING_H
#define ORM_BENCH_HTTP_CEILING_H

#include <stdint.h>

typedef struct http_ceiling http_ceiling;

/* Starts it on a free port of 127.0.0.1 with `threads` threads, answering `body` (copied).
 * NULL when it cannot listen. */
http_ceiling *http_ceiling_start(const char *body, unsigned threads);
uint16_t http_ceiling_port(const http_ceiling *c);
void http_ceiling_stop(http_ceiling *c);

#endif
