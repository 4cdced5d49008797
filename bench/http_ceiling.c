/*
 * http_ceiling.c - the fixed-answer server the HTTP benchmark measures chapter 6's app
 * against (http_ceiling.h).
 */
#include "http_ceiling.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

struct http_ceiling {
	struct MHD_Daemon *daemon;
	struct MHD_Response *response; /* one response, queued again for every request */
	uint16_t port;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
	http_ceiling *c = cls;
	(void)url, (void)method, (void)version, (void)upload_data;
	if (!*con_cls) { /* the headers: wait for the end of the request, as the app does */
		*con_cls = c;
		return MHD_YES;
	}
	*upload_data_size = 0;
	return MHD_queue_response(connection, MHD_HTTP_OK, c->response);
}

http_ceiling *http_ceiling_start(const char *body, unsigned threads)
{
	http_ceiling *c = calloc(1, sizeof *c);
	struct sockaddr_in addr;
	const union MHD_DaemonInfo *info;

	if (!c)
		return NULL;
	c->response =
	    MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(c->response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->daemon = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    answer, c, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!c->daemon) {
		MHD_destroy_response(c->response);
		free(c);
		return NULL;
	}
	info = MHD_get_daemon_info(c->daemon, MHD_DAEMON_INFO_BIND_PORT);
	c->port = info ? info->port : 0;
	return c;
}

uint16_t http_ceiling_port(const http_ceiling *c)
{
	return c->port;
}

void http_ceiling_stop(http_ceiling *c)
{
	if (!c)
		return;
	MHD_stop_daemon(c->daemon);
	MHD_destroy_response(c->response);
	free(c);
}
