/*
 * http.h
 *		Internal interface between the HTTP front end, the admin interface
 *		and main().
 */
#ifndef CONV_SIM_HTTP_H
#define CONV_SIM_HTTP_H

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

struct MHD_Daemon;

extern struct MHD_Daemon *http_start(int port, const char *cert_pem,
									 const char *key_pem);
extern int	http_port(struct MHD_Daemon *d);
extern void http_stop(struct MHD_Daemon *d);
extern char *percent_decode(const char *s, bool plus_space);

/* /_admin/<path>: the core's admin routes and each vendor's. */
extern void admin_dispatch(SimRequest *req, const char *path, SimResponse *resp);

#endif							/* CONV_SIM_HTTP_H */

