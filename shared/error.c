/*
 * error.c - error codes, the messages on handles, and the per-thread
 * "last error".
 *
 * Introduced in chapter 1. Every handle (engine, connection, later the
 * session) embeds an orm_err holding the code and one-line message of its
 * last failure. Setting one also copies the message into a thread-local
 * buffer, so a caller that has no handle yet - orm_create_engine() failing,
 * say - can still read what went wrong with orm_error_last().
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[ORM_ERRMSG_MAX];

const char *orm_strerror(int code)
{
	switch (code) {
	case ORM_OK:
		return "ORM_OK";
	case ORM_ROW:
		return "ORM_ROW";
	case ORM_DONE:
		return "ORM_DONE";
	case ORM_ERROR:
		return "ORM_ERROR";
	case ORM_EINVAL:
		return "ORM_EINVAL";
	case ORM_ENOMEM:
		return "ORM_ENOMEM";
	case ORM_ENOTFOUND:
		return "ORM_ENOTFOUND";
	case ORM_ECONSTRAINT:
		return "ORM_ECONSTRAINT";
	case ORM_EBUSY:
		return "ORM_EBUSY";
	case ORM_ECONNECT:
		return "ORM_ECONNECT";
	case ORM_EMULTIPLE:
		return "ORM_EMULTIPLE";
	case ORM_ESTATE:
		return "ORM_ESTATE";
	case ORM_ESQL:
		return "ORM_ESQL";
	case ORM_ETIMEOUT:
		return "ORM_ETIMEOUT";
	case ORM_EREADONLY:
		return "ORM_EREADONLY";
	case ORM_ECORRUPT:
		return "ORM_ECORRUPT";
	default:
		return "ORM_E(unknown)";
	}
}

const char *orm_error_last(void)
{
	return last_error;
}

/* Messages are one line: databases (PostgreSQL especially) add DETAIL and
 * HINT lines, which we keep but fold into the same line. */
static void make_one_line(char *msg)
{
	size_t len;

	for (char *p = msg; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	}
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == ' ')
		msg[--len] = '\0';
}

int orm_err_set(orm_err *err, int code, const char *fmt, ...)
{
	/* Formatted into a local buffer first: an argument may be the very
	 * message being replaced. */
	char msg[ORM_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	make_one_line(msg);

	memcpy(last_error, msg, sizeof msg);
	if (err) {
		err->code = code;
		memcpy(err->msg, msg, sizeof msg);
	}
	return code;
}

int orm_err_copy(orm_err *dst, const orm_err *src)
{
	if (dst != src)
		*dst = *src;
	memcpy(last_error, src->msg, sizeof last_error);
	return src->code;
}

void orm_err_clear(orm_err *err)
{
	if (err) {
		err->code = ORM_OK;
		err->msg[0] = '\0';
	}
}
